"""The scheduled month keeper: the coming months' partitions of `dossier` and `dossier_event`,
and the rows waiting in DEFAULT moved into their months.

Daily rather than monthly so a missed run (scheduler down on the 1st) costs nothing: with three
months created ahead, rows only reach the DEFAULT partition if the job is down for a quarter, or
when history is imported. Those rows are moved first, a month per transaction and at most
TTHC_PARTITION_SPLIT_ROWS_PER_RUN rows a run (app/db/partitions/online.py), so the months ahead
are then created next to a small DEFAULT. On SQLite, and on a PostgreSQL table that is not
partitioned (migrated down below 0004), it does nothing.
"""

from __future__ import annotations

from datetime import datetime

from app.core.config import Settings
from app.core.jobs import JobSpec, Transactions
from app.db.partitions.online import add_coming_months, split_default
from app.db.partitions.tables import DEFAULT_MONTHS_AHEAD


def partition_months_job(
    transactions: Transactions, now: datetime, settings: Settings
) -> dict[str, int]:
    # Short transactions of their own, beside live traffic (app/db/partitions/online.py).
    bind = transactions.bind
    split = split_default(bind, max_rows=settings.partition_split_rows_per_run)
    created, busy = add_coming_months(bind, now, DEFAULT_MONTHS_AHEAD)
    return {"partitions_created": len(created), "tables_busy": busy, **split.counts()}


JOBS = [
    JobSpec(
        id="partition_months",
        in_transactions=partition_months_job,
        interval_seconds=86400.0,
        description="Move rows waiting in DEFAULT into their months, create the coming "
        "months' partitions of dossier and dossier_event (PostgreSQL).",
    ),
]
