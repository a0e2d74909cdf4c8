"""The scheduled scan, incremental between daily full scans (safe to run twice).

A run scans only the dossiers whose state may have moved since the start of the last successful
run; once a day, or when no run succeeded before, it scans every open dossier, so nothing that
slipped past the incremental rule (a clock change, a failed run) stays wrong for long. Where it
goes on from is the scan's own watermark (`scan_watermark`), moved in the same transaction as
the scan's work: a failed run leaves it where it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.scan import repository
from app.scan.service import run_scan

FULL_SCAN_EVERY = timedelta(hours=24)


def scan_since(session: Session, now: datetime) -> datetime | None:
    """Start of the last successful scan, or None when a full scan is due."""
    mark = repository.watermark(session)
    if mark is None or now - mark.full_scan_at > FULL_SCAN_EVERY:
        return None
    return mark.scanned_at


def scan_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    since = scan_since(session, now)
    counts = run_scan(session, now, since=since).as_dict()
    repository.move_watermark(session, now, full=since is None)
    counts["full"] = int(since is None)
    return counts


JOBS = [
    JobSpec(
        id="scan",
        func=scan_job,
        interval_setting="scan_interval_seconds",
        description="Recompute open dossiers' deadlines, record transitions, draft apologies.",
    ),
]
