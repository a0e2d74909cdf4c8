"""All SQL of the scheduler: job_run rows and the scheduler heartbeat. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.job_run import JobRun, SchedulerHeartbeat


def start_run(session: Session, *, job: str, instance_id: str, started_at: datetime) -> JobRun:
    run = JobRun(job=job, instance_id=instance_id, started_at=started_at, outcome="running")
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    finished_at: datetime,
    outcome: str,
    counts: dict[str, int] | None,
    error: str | None,
) -> None:
    run = session.get(JobRun, run_id)
    if run is None:  # deleted by an operator while the job ran; nothing left to finish
        return
    run.finished_at = finished_at
    run.outcome = outcome
    run.counts = dict(counts) if counts is not None else None
    run.error = error
    session.flush()


def recent_runs(session: Session, *, limit: int, job: str | None = None) -> Sequence[JobRun]:
    query = select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    return session.scalars(query).all()


def runs_of(session: Session, job: str) -> Sequence[JobRun]:
    return session.scalars(
        select(JobRun).where(JobRun.job == job).order_by(JobRun.started_at, JobRun.id)
    ).all()


def write_heartbeat(session: Session, *, name: str, instance_id: str, beat_at: datetime) -> None:
    row = session.get(SchedulerHeartbeat, name)
    if row is None:
        session.add(SchedulerHeartbeat(name=name, instance_id=instance_id, beat_at=beat_at))
    else:
        row.instance_id = instance_id
        row.beat_at = beat_at
    session.flush()


def read_heartbeat(session: Session, name: str) -> SchedulerHeartbeat | None:
    return session.get(SchedulerHeartbeat, name)
