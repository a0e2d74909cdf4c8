"""The scheduled scan, incremental between daily full scans (safe to run twice).

A run scans only the dossiers whose state may have moved since the start of the last successful
run; once a day, or when no run succeeded before, it scans every open dossier, so nothing that
slipped past the incremental rule (a clock change, a failed run) stays wrong for long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.scan.service import run_scan
from app.scheduler import repository as runs
from app.scheduler.spec import JobSpec

FULL_SCAN_EVERY = timedelta(hours=24)
RUNS_LOOKED_AT = 500


def scan_since(session: Session, now: datetime) -> datetime | None:
    """Start of the last successful scan, or None when a full scan is due."""
    succeeded = [
        r
        for r in runs.recent_runs(session, limit=RUNS_LOOKED_AT, job="scan")
        if r.outcome == "succeeded"
    ]
    last_full = next((r for r in succeeded if (r.counts or {}).get("full")), None)
    if not succeeded or last_full is None or now - last_full.started_at > FULL_SCAN_EVERY:
        return None
    return succeeded[0].started_at


def scan_job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    since = scan_since(session, now)
    counts = run_scan(session, now, since=since).as_dict()
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
