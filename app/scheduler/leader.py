"""The leader lock: of all running `tthc scheduler` instances, exactly one schedules jobs.

* PostgreSQL: a session-level ``pg_try_advisory_lock(SCHEDULER_LOCK_KEY)`` held on a
  dedicated connection for the life of the leader. If the leader dies, its connection closes
  and PostgreSQL frees the lock, so a standby takes over on its next try. TCP keepalives on
  that connection bound how long a partitioned leader can keep the lock (about a minute).
* SQLite: a `filelock.FileLock` on ``settings.scheduler_lock_path``, by default a file next to
  the database (whose directory the service can write, or SQLite could not keep its journal
  there); the operating system frees it when the holding process dies. A lock file that cannot
  be created is `LeaderLockUnusable`: the scheduler stops with the reason instead of standing
  by forever as if another instance held the lock.

The leader checks `is_held` regularly and steps down when it is false (its connection died or
was terminated), because by then a standby may already lead.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

import filelock
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from app.db.readiness import sqlite_file
from app.db.session import make_engine

logger = logging.getLogger(__name__)

# "tthc-sch" as a big-endian signed 64-bit integer: constant across releases and instances.
SCHEDULER_LOCK_KEY = 0x7474_6863_2D73_6368


class LeaderLockUnusable(Exception):
    """The lock cannot be taken by anyone from here (not "someone else holds it")."""


class LeaderLock(Protocol):
    description: str

    def try_acquire(self) -> bool:
        """Take the lock without waiting; True if this instance now holds it."""
        ...

    def is_held(self) -> bool:
        """Whether the lock is still ours (False once its connection or file handle is gone)."""
        ...

    def release(self) -> None:
        """Give the lock up; safe to call when it is not held."""
        ...

    def dispose(self) -> None:
        """Release and close everything the lock opened (at process exit)."""
        ...


class PostgresLeaderLock:
    def __init__(self, url: str, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.key = key
        self.description = (
            f"PostgreSQL advisory lock {key} on {make_url(url).render_as_string()}"
        )
        self._engine = make_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None

    @property
    def backend_pid(self) -> int | None:
        """The server process holding the lock (operators can terminate it to force a hand-over)."""
        if self._conn is None:
            return None
        pid = self._conn.scalar(text("SELECT pg_backend_pid()"))
        return int(pid) if pid is not None else None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.is_held()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            conn.execute(text("SET application_name = 'tthc-scheduler'"))
            for name, value in (("idle", 30), ("interval", 10), ("count", 3)):
                conn.execute(text(f"SET tcp_keepalives_{name} = {value}"))
            acquired = bool(
                conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            )
        except Exception:
            conn.close()
            raise
        if not acquired:
            conn.close()
            return False
        self._conn = conn
        return True

    def is_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = self._conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid::bigint = :hi"
                    " AND objid::bigint = :lo AND objsubid = 1"
                ),
                {"hi": (self.key >> 32) & 0xFFFFFFFF, "lo": self.key & 0xFFFFFFFF},
            )
        except Exception as exc:
            logger.warning("leader lock connection lost (%s)", type(exc).__name__)
            self._drop()
            return False
        if not held:
            self._drop()
        return bool(held)

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception as exc:  # the connection is gone, and with it the lock
            logger.info("leader lock released with its connection (%s)", type(exc).__name__)
        self._drop()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Closing a dead connection may raise; there is nothing left to release.
            with contextlib.suppress(Exception):
                conn.close()


class FileLeaderLock:
    def __init__(self, path: str) -> None:
        self.description = f"file lock {path}"
        self._lock = filelock.FileLock(path, thread_local=False)

    def try_acquire(self) -> bool:
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        except OSError as exc:
            raise LeaderLockUnusable(
                f"cannot create the scheduler's lock file {self._lock.lock_file}: "
                f"{exc.strerror or exc}; set TTHC_SCHEDULER_LOCK_PATH to a file in a directory "
                "this user can write (by default it sits next to the SQLite database)"
            ) from exc
        return True

    def is_held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    def dispose(self) -> None:
        self.release()


def lock_file_path(settings: Settings) -> str:
    """TTHC_SCHEDULER_LOCK_PATH, or `<database file>.scheduler.lock` beside the SQLite file."""
    if settings.scheduler_lock_path:
        return settings.scheduler_lock_path
    database = sqlite_file(settings.database_url)
    if database is None:  # in-memory: nothing to sit beside
        return "tthc-scheduler.lock"
    return f"{database}.scheduler.lock"


def make_leader_lock(settings: Settings) -> PostgresLeaderLock | FileLeaderLock:
    if settings.is_sqlite:
        return FileLeaderLock(lock_file_path(settings))
    return PostgresLeaderLock(settings.database_url)
