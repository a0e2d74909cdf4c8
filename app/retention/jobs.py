"""The scheduled retention: one bounded step an hour (TTHC_RETENTION_INTERVAL_SECONDS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.retention.service import Policy, step


def retention_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    return step(session, now, Policy.from_settings(settings)).counts()


JOBS = [
    JobSpec(
        id="retention",
        func=retention_job,
        interval_setting="retention_interval_seconds",
        description="Fold old push receptions into days, delete old job runs, archive the raw "
        "payloads of long-closed dossiers (when TTHC_ARCHIVE_DIR is set).",
    ),
]
