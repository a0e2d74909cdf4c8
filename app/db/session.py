"""Engines and sessions. Only `session_scope()` (jobs, CLI) and `get_session` (requests) commit.

`session_scope()` without a factory is the CLI's: it checks the configured database first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, QueuePool, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import get_settings

WRITER_OPTION = "tthc_writer"
WAL_CHECKPOINT_PAGES = 16_384  # of 4 KiB


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        settings = get_settings()
        pragmas = _SqlitePragmas(settings.sqlite_cache_mb, settings.sqlite_mmap_mb)
        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if kwargs.get("poolclass", QueuePool) is QueuePool:
        # the connection returned last, whose statements are prepared and whose backend's
        # caches are warm (docs/scaling.md, the receiver, round 10); other pools (NullPool)
        # have no order
        kwargs["pool_use_lifo"] = True
    return create_engine(url, pool_pre_ping=True, **kwargs)


class _SqlitePragmas:
    def __init__(self, cache_mb: int, mmap_mb: int) -> None:
        # integers only: PRAGMA values cannot be bound parameters
        self.cache_kib, self.mmap_bytes = int(cache_mb) * 1024, int(mmap_mb) * 1024 * 1024

    def __call__(self, dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
        dbapi_connection.isolation_level = None
        # WAL lets the API read while the scheduler writes; foreign keys are off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA cache_size=-{self.cache_kib}")  # negative: KiB, not pages
        cursor.execute(f"PRAGMA mmap_size={self.mmap_bytes}")
        # Copy the WAL back into the database (and fsync) every ~64 MB instead of every 4 MB:
        # one page of a file import writes several MB, so the default checkpointed each commit.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        # Statement journals, transient tables and sorts in memory rather than in temp files.
        # The rate-rollup trigger makes each row's clock UPDATE a statement with its own undo
        # journal; once one statement's journal passed 64 KiB, SQLite kept it in a temp file for
        # the rest of the transaction, and a 200,000-dossier scan then wrote ~5.9 GB to it in
        # ~2.9 million pwrite calls (2–3.5 s of system time). That journal only undoes the running
        # statement: durability (WAL, synchronous=NORMAL) is unchanged. A large sort's data is
        # held in RAM instead of spilling to disk.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another connection wrote in between (WAL cannot upgrade a stale snapshot); writers
    # take the write lock up front instead and wait their turn under busy_timeout.
    immediate = conn.get_execution_options().get(WRITER_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[_CHANGES_AT_BEGIN] = conn.connection.driver_connection.total_changes


_CHANGES_AT_BEGIN = "tthc_changes_at_begin"


def changed_rows_uncommitted(session: Session) -> bool:
    """Whether the session's SQLite transaction has changed a row so far (flushed ones only):
    what another connection cannot see yet. False outside a transaction."""
    if not session.in_transaction():
        return False
    connection = session.connection()
    start, driver = connection.info.get(_CHANGES_AT_BEGIN), connection.connection.driver_connection
    return start is None or driver is None or driver.total_changes != start


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().database_url)


def checked_engine() -> Engine:
    """The engine of a CLI command, once the database is known to be there and migrated
    (`DatabaseNotReady` otherwise: connecting would create an empty SQLite file)."""
    from app.db.readiness import check_database

    url = get_settings().database_url
    if url not in _CHECKED:
        check_database(url)
        _CHECKED.add(url)
    return get_engine()


_CHECKED: set[str] = set()


def forget_checked_databases() -> None:
    """Check again on the next command (one process may run several, as tests do)."""
    _CHECKED.clear()


def make_session_factory(engine: Engine, *, writer: bool = True) -> sessionmaker[Session]:
    """Sessions for work that writes (jobs, CLI, API requests that change things); `writer=False`
    for read-only requests, which on SQLite then never wait for the write lock."""
    bind = engine.execution_options(**{WRITER_OPTION: True}) if writer else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@contextmanager
def session_scope(factory: sessionmaker[Session] | None = None) -> Iterator[Session]:
    """One unit of work for a job or a CLI command: commit on success, roll back on error."""
    session = (factory or make_session_factory(checked_engine()))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
