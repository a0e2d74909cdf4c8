"""The daily clean-up of dashboard sessions that ended or expired long ago."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.sessions import purge_old_sessions
from app.core.config import Settings
from app.core.jobs import JobSpec


def purge_sessions_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    return {"sessions_deleted": purge_old_sessions(session, now)}


JOBS = [
    JobSpec(
        id="purge_sessions",
        func=purge_sessions_job,
        interval_seconds=86400.0,
        description="Delete dashboard sessions that expired more than 30 days ago.",
    ),
]
