"""Scheduler rules: the leader's heartbeat and how fresh it is (read by /readyz)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.scheduler import repository

HEARTBEAT_NAME = "scheduler"
HEARTBEAT_INTERVAL_SECONDS = 60.0
# Three missed beats before readiness complains: one slow job must not flap the probe.
HEARTBEAT_STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_INTERVAL_SECONDS)


@dataclass(frozen=True)
class HeartbeatStatus:
    instance_id: str | None
    beat_at: datetime | None
    age_seconds: float | None
    fresh: bool


def beat(session: Session, *, instance_id: str, now: datetime) -> None:
    repository.write_heartbeat(
        session, name=HEARTBEAT_NAME, instance_id=instance_id, beat_at=now
    )


def heartbeat_status(
    session: Session, now: datetime, *, stale_after: timedelta = HEARTBEAT_STALE_AFTER
) -> HeartbeatStatus:
    """Whether a leader scheduler has beaten recently; no row at all means it never ran."""
    row = repository.read_heartbeat(session, HEARTBEAT_NAME)
    if row is None:
        return HeartbeatStatus(instance_id=None, beat_at=None, age_seconds=None, fresh=False)
    age = now - row.beat_at
    return HeartbeatStatus(
        instance_id=row.instance_id,
        beat_at=row.beat_at,
        age_seconds=age.total_seconds(),
        fresh=age <= stale_after,
    )
