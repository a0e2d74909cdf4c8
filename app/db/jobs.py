"""The scheduled month keeper: the coming months' partitions of `dossier` and `dossier_event`.

Daily rather than monthly so a missed run (scheduler down on the 1st) costs nothing: with three
months created ahead, rows only reach the DEFAULT partition if the job is down for a quarter
(those rows are moved into their month's partition when it is created). On SQLite, and on a
PostgreSQL table that is not partitioned (migrated down below 0004), it does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.partitioning import DEFAULT_MONTHS_AHEAD, add_future_months
from app.scheduler.spec import JobSpec


def partition_months_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    created = add_future_months(session.connection(), now, DEFAULT_MONTHS_AHEAD)
    return {"partitions_created": len(created)}


JOBS = [
    JobSpec(
        id="partition_months",
        func=partition_months_job,
        interval_seconds=86400.0,
        description="Create the coming months' partitions of dossier and dossier_event "
        "(PostgreSQL).",
    ),
]
