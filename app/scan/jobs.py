"""The scheduled scan: every open dossier as of the run's `now` (safe to run twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.scan.service import run_scan
from app.scheduler.spec import JobSpec


def scan_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    return run_scan(session, now).as_dict()


JOBS = [
    JobSpec(
        id="scan",
        func=scan_job,
        interval_setting="scan_interval_seconds",
        description="Recompute open dossiers' deadlines, record transitions, draft apologies.",
    ),
]
