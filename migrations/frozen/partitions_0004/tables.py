"""Monthly range partitions of `dossier` (by `received_at`) and `dossier_event` (by `at`) on
PostgreSQL (docs/scaling.md, "PostgreSQL partitioning").

Migration 0004 converts both tables when it runs on PostgreSQL (SQLite has no partitions, and
the models describe the plain layout both backends share), and converts them back on downgrade.
`tthc db partition` and the daily `partition_months` job run the same code: on a partitioned table
they only add the missing months; a table still plain (a database upgraded before 0004 existed,
or one an operator downgraded) is converted.

Everything runs in the caller's transaction, which commits. A conversion holds ACCESS EXCLUSIVE
locks on `dossier`, `dossier_event` and the tables whose foreign keys point at `dossier` until
that commit: ingest, the scan and the API's reads of dossiers wait meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from .specs import BadRequest
from .catalog import (
    is_partitioned,
    partition_names,
    regclass_exists,
    table_shape,
)
from .convert import conversion_plan, revert_plan
from .months import months_plan
from .specs import (
    TABLES,
    PartitionedTable,
    PartitioningRefused,
    PartitioningUnsupported,
    PartitionPlan,
)

__all__ = [
    "DEFAULT_MONTHS_AHEAD",
    "PartitionPlan",
    "PartitionResult",
    "PartitioningRefused",
    "PartitioningUnsupported",
    "add_future_months",
    "is_partitioned",
    "partition_names",
    "partition_tables",
    "plan_partitioning",
    "regclass_exists",
    "unpartition_tables",
]

DEFAULT_MONTHS_AHEAD = 3
# Serialises two partition runs (the command, the job, a migration) on one database.
ADVISORY_LOCK_KEY = 0x7474_6863_7061_7274  # "tthcpart"
# Row triggers cloned to partitions, BEFORE row triggers included, came with PostgreSQL 13.
MIN_SERVER_VERSION = (13,)


@dataclass
class PartitionResult:
    plans: list[PartitionPlan]
    executed: bool
    seconds: float

    @property
    def partitions(self) -> list[str]:
        return [name for plan in self.plans for name in plan.partitions]

    @property
    def statements(self) -> list[str]:
        return [s for plan in self.plans for s in plan.statements]


def _require_postgresql(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        raise PartitioningUnsupported(
            f"partitioning needs PostgreSQL; this database is {conn.dialect.name}, "
            "which has no table partitions (nothing was changed)",
            dialect=conn.dialect.name,
        )
    version = conn.dialect.server_version_info or ()
    if version < MIN_SERVER_VERSION:
        raise PartitioningUnsupported(
            f"partitioning needs PostgreSQL {MIN_SERVER_VERSION[0]} or later; this server is "
            f"{'.'.join(map(str, version))} (nothing was changed)"
        )


def _existing(conn: Connection) -> list[PartitionedTable]:
    missing = [spec.name for spec in TABLES if not regclass_exists(conn, spec.name)]
    if missing:
        raise PartitioningRefused(
            f"table {', '.join(missing)} does not exist; run `tthc db upgrade` first"
        )
    return list(TABLES)


def _lock(conn: Connection, specs: list[PartitionedTable]) -> None:
    """ACCESS EXCLUSIVE on the tables to swap and on those whose foreign keys are re-pointed,
    all in one statement before any copy: `dossier` first, as ingest writes it first, so a
    writer is waited for rather than deadlocked with after the copy."""
    tables: list[str] = []
    for spec in sorted(specs, key=lambda s: not s.key_table):
        tables.append(spec.name)
        if spec.key_table:
            keys = spec.key_table_name
            target = keys if regclass_exists(conn, keys) else spec.name
            tables += [k.owner for k in table_shape(conn, target).incoming]
    unique = list(dict.fromkeys(tables))
    if unique:
        statement = f"LOCK TABLE {', '.join(unique)} IN ACCESS EXCLUSIVE MODE"
        conn.execute(text(statement))


def _names(specs: list[PartitionedTable]) -> frozenset[str]:
    return frozenset(
        name for s in specs for name in ((s.name, s.key_table_name) if s.key_table else (s.name,))
    )


def _plans(
    conn: Connection, now: datetime, months_ahead: int, *, execute: bool
) -> list[PartitionPlan]:
    """Table by table, each plan read from the catalog the previous one left (when executed);
    the foreign keys between two converted tables are added once, by the second conversion."""
    specs = _existing(conn)
    converting = [spec for spec in specs if not is_partitioned(conn, spec.name)]
    plans: list[PartitionPlan] = []
    for spec in specs:
        if spec in converting:
            later = _names(converting[converting.index(spec) + 1 :])
            pending = [k for plan in plans for k in plan.deferred]
            plan = conversion_plan(conn, spec, now, months_ahead, later=later, pending=pending)
        else:
            plan = months_plan(conn, spec, now, months_ahead)
        if execute:
            _execute(conn, plan)
        plans.append(plan)
    return plans


def plan_partitioning(
    conn: Connection, now: datetime, months_ahead: int
) -> list[PartitionPlan]:
    """What `partition_tables` would do now, table by table, without changing anything."""
    _require_postgresql(conn)
    if months_ahead < 0:
        raise BadRequest("months_ahead must be 0 or more", months_ahead=months_ahead)
    return _plans(conn, now, months_ahead, execute=False)


def _execute(conn: Connection, plan: PartitionPlan) -> None:
    for statement in plan.statements:
        conn.execute(text(statement))


def partition_tables(
    conn: Connection,
    now: datetime,
    months_ahead: int = DEFAULT_MONTHS_AHEAD,
    *,
    dry_run: bool = False,
) -> PartitionResult:
    """Convert `dossier_event` and `dossier` to monthly partitions, or add the missing months
    to those that are partitioned already."""
    started = time.perf_counter()
    if dry_run:
        plans = plan_partitioning(conn, now, months_ahead)
        return PartitionResult(plans, executed=False, seconds=time.perf_counter() - started)
    _require_postgresql(conn)
    if months_ahead < 0:
        raise BadRequest("months_ahead must be 0 or more", months_ahead=months_ahead)
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    # Taken before reading the data's span, so no row arrives between plan and copy.
    _lock(conn, [spec for spec in _existing(conn) if not is_partitioned(conn, spec.name)])
    plans = _plans(conn, now, months_ahead, execute=True)
    return PartitionResult(plans, executed=True, seconds=time.perf_counter() - started)


def unpartition_tables(conn: Connection) -> PartitionResult:
    """Back to plain tables with their original keys and foreign keys (migration 0004's
    downgrade); a table that is not partitioned is left alone."""
    _require_postgresql(conn)
    started = time.perf_counter()
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    specs = [spec for spec in _existing(conn) if is_partitioned(conn, spec.name)]
    _lock(conn, specs)
    plans: list[PartitionPlan] = []
    for i, spec in enumerate(specs):
        pending = [k for plan in plans for k in plan.deferred]
        plan = revert_plan(conn, spec, later=_names(specs[i + 1 :]), pending=pending)
        _execute(conn, plan)
        plans.append(plan)
    return PartitionResult(plans, executed=True, seconds=time.perf_counter() - started)


def add_future_months(conn: Connection, now: datetime, months_ahead: int) -> list[str]:
    """For the scheduler: add the coming months to the partitioned tables (a month whose rows
    wait in DEFAULT is moved by `app.db.partitions.online`). On SQLite, or a table that is not
    partitioned, do nothing: converting is a migration's (or the operator's) decision, not the
    job's."""
    if conn.dialect.name != "postgresql":
        return []
    specs = [s for s in TABLES if regclass_exists(conn, s.name) and is_partitioned(conn, s.name)]
    if not specs:
        return []
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    created: list[str] = []
    for spec in specs:
        # months with rows waiting in DEFAULT are app/db/partitions/online.py's, step by step
        plan = months_plan(conn, spec, now, months_ahead, move_default=False)
        _execute(conn, plan)
        created += plan.partitions
    return created
