"""The daily job's partition work, done beside live traffic: rows waiting in a DEFAULT partition
moved into their months, in steps, and the coming months created.

History imported into a freshly migrated database lands in DEFAULT (its partitions start at the
migration's month): 96 % of the dossiers in the soak of issue 20. There, every query reads the
whole of DEFAULT, and creating a month's partition scans it. `tthc db partition` moves every
month at once, in one transaction, for a quiet hour; the daily job moves them here instead:

* one month per transaction, oldest first, at most ``max_rows`` rows per run (at least one
  month, which must move whole): a long backfill drains over a few daily runs;
* each month under a SHARE ROW EXCLUSIVE lock on DEFAULT (readers go on; writers of DEFAULT,
  only rows of months without a partition, wait for the month's move) and a short ACCESS
  EXCLUSIVE one at the end, which ATTACH takes to change DEFAULT's constraint.

Creating or attaching a partition takes strong locks on the parent, DEFAULT and the tables its
foreign keys point at, in an order ingest's transactions take the other way round: under load
(the soak) that deadlocked webhook deliveries, which PostgreSQL then aborted. So every statement
here waits for a lock at most half of ``deadlock_timeout``: the partition work, never a
delivery, is the one that gives up; it tries again a few times, then leaves the month for the
next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, TypeVar

from sqlalchemy import ColumnClause, Connection, Engine, func, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import OperationalError

from app.db.partitions.catalog import (
    Month,
    default_month_rows,
    is_partitioned,
    partition_names,
    regclass_exists,
)
from app.db.partitions.months import months_plan, move_statements
from app.db.partitions.specs import TABLES, PartitionedTable
from app.db.partitions.tables import ADVISORY_LOCK_KEY

T = TypeVar("T")

LOCK_TIMEOUT_MS: Final = 3000
ATTEMPTS: Final = 3
PAUSE_SECONDS: Final = 1.0
# lock_not_available (lock_timeout), deadlock_detected
_LOCK_CONFLICTS = frozenset({"55P03", "40P01"})


@dataclass
class SplitResult:
    partitions: list[str] = field(default_factory=list)  # made from DEFAULT's rows
    rows_moved: int = 0
    rows_waiting: int = 0  # still in DEFAULT, for the next run
    months_busy: int = 0  # left because a lock was not granted in time

    def counts(self) -> dict[str, int]:
        return {"months_split": len(self.partitions), "rows_moved": self.rows_moved,
                "rows_waiting": self.rows_waiting, "months_busy": self.months_busy}


def split_default(
    bind: Engine | Connection, *, max_rows: int, lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    attempts: int = ATTEMPTS,
) -> SplitResult:
    """Move DEFAULT's rows into their months, a month per transaction (a savepoint when given a
    connection), until ``max_rows`` rows moved. Nothing on SQLite or on plain tables."""
    result = SplitResult()
    if bind.dialect.name != "postgresql":
        return result
    with _transaction(bind) as conn:
        waiting = {spec.name: default_month_rows(conn, spec.default_partition, spec.key)
                   for spec in TABLES if _has_default(conn, spec)}
    for spec in TABLES:
        for month, rows in sorted(waiting.get(spec.name, {}).items()):
            if result.rows_moved and result.rows_moved + rows > max_rows:
                result.rows_waiting += rows
                continue
            def move(conn: Connection, spec: PartitionedTable = spec, month: Month = month
                     ) -> int:
                return _move_month(conn, spec, month)

            moved = _attempt(bind, move, lock_timeout_ms, attempts)
            if moved is None:
                result.months_busy += 1
                result.rows_waiting += rows
            elif moved:
                result.partitions.append(month.partition_name(spec.name))
                result.rows_moved += moved
    return result


def add_coming_months(
    bind: Engine | Connection, now: datetime, months_ahead: int, *,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS, attempts: int = ATTEMPTS,
) -> tuple[list[str], int]:
    """The coming months' partitions of each partitioned table (a table per transaction), and
    how many tables were too busy this time. Months with rows in DEFAULT are `split_default`'s."""
    created: list[str] = []
    busy = 0
    if bind.dialect.name != "postgresql":
        return created, busy
    with _transaction(bind) as conn:
        specs = [spec for spec in TABLES
                 if regclass_exists(conn, spec.name) and is_partitioned(conn, spec.name)]
    for spec in specs:
        def add(conn: Connection, spec: PartitionedTable = spec) -> list[str]:
            plan = months_plan(conn, spec, now, months_ahead, move_default=False)
            for statement in plan.statements:
                conn.execute(text(statement))
            return plan.partitions

        made = _attempt(bind, add, lock_timeout_ms, attempts)
        if made is None:
            busy += 1
        else:
            created += made
    return created, busy


def _attempt(bind: Engine | Connection, work: Callable[[Connection], T], timeout_ms: int,
             attempts: int) -> T | None:
    """``work`` in its own transaction under the partitioning lock and a short lock timeout;
    again after a pause when a lock was not granted; None when it never was."""
    for attempt in range(attempts):
        if attempt:
            time.sleep(PAUSE_SECONDS)
        try:
            with _transaction(bind) as conn:
                deadlock_ms = int(conn.execute(text(
                    "SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout'"
                )).scalar_one())
                wait_ms = max(50, min(timeout_ms, deadlock_ms // 2))
                conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"),
                             {"ms": f"{wait_ms}ms"})
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
                return work(conn)
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _LOCK_CONFLICTS:
                raise
    return None


def _has_default(conn: Connection, spec: PartitionedTable) -> bool:
    return (regclass_exists(conn, spec.name) and is_partitioned(conn, spec.name)
            and spec.default_partition in partition_names(conn, spec.name))


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        with bind.begin_nested():
            yield bind
        return
    with bind.begin() as conn:
        yield conn


def _move_month(conn: Connection, spec: PartitionedTable, month: Month) -> int:
    default = spec.default_partition
    lock = f"LOCK TABLE {default} IN SHARE ROW EXCLUSIVE MODE"  # a constant partition name
    conn.execute(text(lock))
    if month.partition_name(spec.name) in partition_names(conn, spec.name):
        return 0  # made meanwhile (`tthc db partition`), with DEFAULT's rows
    key: ColumnClause[datetime] = sa_column(spec.key)
    rows = int(conn.execute(
        select(func.count()).select_from(sa_table(default, key))
        .where(key >= month.lower(), key < month.upper())
    ).scalar_one())
    if rows:
        for statement in move_statements(spec, month):
            conn.execute(text(statement))
    return rows
