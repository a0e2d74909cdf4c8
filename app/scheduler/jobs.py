"""The scheduler's own job: the leader's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.scheduler import service
from app.scheduler.identity import current_instance_id


def write_heartbeat(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    service.beat(session, instance_id=current_instance_id(), now=now)
    return {"beats": 1}


JOBS = [
    JobSpec(
        id="scheduler_heartbeat",
        func=write_heartbeat,
        interval_seconds=service.HEARTBEAT_INTERVAL_SECONDS,
        description="The leader scheduler says it is alive (read by /readyz).",
        record_runs=False,
    ),
]
