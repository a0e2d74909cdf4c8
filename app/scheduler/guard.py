"""One run of a job at a time, across every scheduler instance and `tthc jobs run`.

The leader lock decides who schedules; it cannot stop a job that a deposed leader is still
running while the new leader starts the same job. This guard can: a job runs only while it
holds its own lock, and its job_run interval [started_at, finished_at] is read inside it.

* PostgreSQL: ``pg_try_advisory_xact_lock(namespace, crc32(job id))`` taken in the job's own
  transaction, so commit, rollback or a dead connection releases it.
* SQLite: a non-blocking `filelock.FileLock` beside the scheduler lock file (an SQLite file is
  only shared by processes on one host, so a host-local lock covers every contender).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

import filelock
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.session import session_scope

# "tthc" as a signed 32-bit integer: the two-integer advisory key space, apart from the
# leader's single bigint key.
JOB_LOCK_NAMESPACE = 0x74746863


def job_lock_key(job_id: str) -> int:
    unsigned = zlib.crc32(job_id.encode("utf-8"))
    return unsigned - (1 << 32) if unsigned >= (1 << 31) else unsigned


class JobGuard(Protocol):
    def session_for(self, job_id: str) -> AbstractContextManager[Session | None]:
        """A job session (committed on exit) while holding the job's lock, or None if the
        job is running elsewhere."""
        ...


class PostgresJobGuard:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    @contextmanager
    def session_for(self, job_id: str) -> Iterator[Session | None]:
        with session_scope(self._factory) as session:
            locked = session.scalar(
                select(func.pg_try_advisory_xact_lock(JOB_LOCK_NAMESPACE, job_lock_key(job_id)))
            )
            yield session if locked else None


class FileJobGuard:
    def __init__(self, factory: sessionmaker[Session], lock_path: str) -> None:
        self._factory = factory
        self._lock_path = lock_path

    @contextmanager
    def session_for(self, job_id: str) -> Iterator[Session | None]:
        lock = filelock.FileLock(f"{self._lock_path}.job-{job_id}", thread_local=False)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            yield None
            return
        try:
            # The lock outlives the commit, so the next run starts after this one is durable.
            with session_scope(self._factory) as session:
                yield session
        finally:
            lock.release()


def make_job_guard(factory: sessionmaker[Session], *, is_sqlite: bool, lock_path: str) -> JobGuard:
    if is_sqlite:
        return FileJobGuard(factory, lock_path)
    return PostgresJobGuard(factory)
