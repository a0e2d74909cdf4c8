"""Rows waiting in a DEFAULT partition moved into their months' partitions, online, in steps.

History imported into a freshly migrated database lands in DEFAULT (its partitions start at the
migration's month): 96 % of the dossiers in the soak of issue 20. There, every query reads the
whole of DEFAULT, and creating a month's partition scans it. `tthc db partition` moves every
month at once, in one transaction, for a quiet hour; the daily job moves them here instead:

* one month per transaction, oldest first, at most ``max_rows`` rows per run (at least one
  month, which must move whole): a long backfill drains over a few daily runs;
* each month under a SHARE ROW EXCLUSIVE lock on DEFAULT (readers go on; writers of DEFAULT,
  only rows of months without a partition, wait for the month's move) and a short ACCESS
  EXCLUSIVE one at the end, which ATTACH takes to change DEFAULT's constraint;
* with a lock timeout: a month whose locks are not granted in time (a long report reading
  DEFAULT) is left for the next run rather than queueing every reader behind the move.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnClause, Connection, Engine, func, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import OperationalError

from app.db.partition_catalog import (
    Month,
    default_month_rows,
    is_partitioned,
    partition_names,
    regclass_exists,
)
from app.db.partition_months import move_statements
from app.db.partition_specs import TABLES, PartitionedTable
from app.db.partitioning import ADVISORY_LOCK_KEY

LOCK_TIMEOUT_MS: Final = 3000
_LOCK_NOT_AVAILABLE = "55P03"


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
    bind: Engine | Connection, *, max_rows: int, lock_timeout_ms: int = LOCK_TIMEOUT_MS
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
            try:
                with _transaction(bind) as conn:
                    moved = _move_month(conn, spec, month, lock_timeout_ms)
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                    raise
                result.months_busy += 1
                result.rows_waiting += rows
                continue
            if moved:
                result.partitions.append(month.partition_name(spec.name))
                result.rows_moved += moved
    return result


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


def _move_month(conn: Connection, spec: PartitionedTable, month: Month, timeout_ms: int) -> int:
    conn.execute(text(f"SET LOCAL lock_timeout = {int(timeout_ms)}"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    default = spec.default_partition
    conn.execute(text(f"LOCK TABLE {default} IN SHARE ROW EXCLUSIVE MODE"))
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
