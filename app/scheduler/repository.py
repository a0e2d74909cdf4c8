"""All SQL of the scheduler: job_run rows and the scheduler heartbeat. Flushes, never commits.

Writes are single statements (no read first), see `finish_run`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
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
    # A bare UPDATE, not read-then-write: on SQLite a transaction that reads first cannot
    # become a writer once another connection has committed ("database is locked").
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            finished_at=finished_at,
            outcome=outcome,
            counts=dict(counts) if counts is not None else None,
            error=error,
        )
        .execution_options(synchronize_session=False)
    )


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
    values = {"name": name, "instance_id": instance_id, "beat_at": beat_at}
    update_values = {"instance_id": instance_id, "beat_at": beat_at}
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        pg_insert = postgresql.insert(SchedulerHeartbeat).values(**values)
        statement = pg_insert.on_conflict_do_update(index_elements=["name"], set_=update_values)
    else:
        lite_insert = sqlite.insert(SchedulerHeartbeat).values(**values)
        statement = lite_insert.on_conflict_do_update(index_elements=["name"], set_=update_values)
    session.execute(statement)


def read_heartbeat(session: Session, name: str) -> SchedulerHeartbeat | None:
    return session.get(SchedulerHeartbeat, name)
