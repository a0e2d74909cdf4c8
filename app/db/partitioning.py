"""Monthly range partitions of `dossier_event` by `at`, on PostgreSQL (docs/scaling.md).

An operator runs the conversion once (`tthc db partition`); it is not a migration because SQLite
has no partitions and the models must keep matching both backends. In one transaction it builds
a table partitioned by RANGE ("at") with one partition per local month from the oldest event to
`months_ahead` months after `now`, plus a DEFAULT partition, copies every row, drops the old
table and renames the new one into its place. Keys change as the partition key requires: the
primary key becomes (id, at) and the de-duplication key (dossier_id, dedup_hash, at), which is
equivalent because the dedup hash already contains the step's instant. The id sequence, foreign
keys and plain indexes are carried over from the live definition.

Run again (or by the `partition_months` job) it only adds the missing months; rows that reached
the DEFAULT partition for such a month are moved into the new partition in the same transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

from app.core.errors import AppError, BadRequest
from app.db.partition_catalog import (
    Month,
    add_months,
    data_span,
    default_has_rows,
    is_partitioned,
    months_between,
    partition_names,
    regclass_exists,
    table_shape,
)

TABLE = "dossier_event"
KEY = "at"
DEFAULT_PARTITION = f"{TABLE}_default"
STAGING = f"{TABLE}_partitioned"
PRIMARY_KEY = ["id", KEY]
DEDUP_KEY = ["dossier_id", "dedup_hash", KEY]
# The keys the conversion knows how to widen; anything else unique is refused, not guessed at.
EXPECTED_PRIMARY_KEY = ["id"]
EXPECTED_UNIQUE_KEYS = [["dossier_id", "dedup_hash"]]
# A century of months: more means a corrupt timestamp, which should be fixed, not partitioned.
MAX_PARTITIONS = 1200
DEFAULT_MONTHS_AHEAD = 3
# Serialises two partition commands (or the job and a command) on one database.
ADVISORY_LOCK_KEY = 0x7474_6863_7061_7274  # "tthcpart"


class PartitioningUnsupported(BadRequest):
    code = "partitioning_unsupported"


class PartitioningRefused(AppError):
    status_code = 409
    code = "partitioning_refused"


@dataclass
class PartitionPlan:
    converts: bool  # False: the table is partitioned already and only months are added
    rows: int
    partitions: list[str] = field(default_factory=list)  # to be created
    statements: list[str] = field(default_factory=list)


@dataclass
class PartitionResult:
    plan: PartitionPlan
    executed: bool
    seconds: float


def _require_postgresql(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        raise PartitioningUnsupported(
            f"partitioning needs PostgreSQL; this database is {conn.dialect.name}, "
            "which has no table partitions (nothing was changed)",
            dialect=conn.dialect.name,
        )


def _check_convertible(conn: Connection) -> list[str]:
    """Refuse what a partitioned table cannot carry; return the statements that restore the rest
    after the swap (sequence ownership first, since dropping the old table would drop it)."""
    shape = table_shape(conn, TABLE)
    problems: list[str] = []
    if shape.primary_key != EXPECTED_PRIMARY_KEY:
        problems.append(f"primary key is {shape.primary_key}, expected {EXPECTED_PRIMARY_KEY}")
    if sorted(shape.unique_keys) != EXPECTED_UNIQUE_KEYS:
        problems.append(f"unique keys are {shape.unique_keys}, expected {EXPECTED_UNIQUE_KEYS}")
    if shape.unique_indexes:
        problems.append(f"unique indexes without the partition key: {shape.unique_indexes}")
    if shape.referenced_by:
        problems.append(f"foreign keys point at it: {shape.referenced_by}")
    if shape.triggers:
        problems.append(f"it has triggers: {shape.triggers}")
    if problems:
        raise PartitioningRefused(
            f"{TABLE} cannot be partitioned as it is: " + "; ".join(problems), problems=problems
        )
    return [
        *(f"ALTER SEQUENCE {seq} OWNED BY {STAGING}.{col}" for seq, col in shape.owned_sequences),
        f"DROP TABLE {TABLE}",
        f"ALTER TABLE {STAGING} RENAME TO {TABLE}",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT pk_{TABLE} PRIMARY KEY ({', '.join(PRIMARY_KEY)})",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_{TABLE}_{'_'.join(DEDUP_KEY)} "
        f"UNIQUE ({', '.join(DEDUP_KEY)})",
        *(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {d}" for name, d in shape.foreign_keys),
        *shape.plain_indexes,
        f"ANALYZE {TABLE}",
    ]


def _conversion_plan(conn: Connection, now: datetime, months_ahead: int) -> PartitionPlan:
    rows, oldest, newest = data_span(conn, TABLE, KEY)
    current = Month.of(now)
    first = min(Month.of(oldest), current) if oldest is not None else current
    last = max(Month.of(newest) if newest else current, add_months(current, months_ahead))
    months = months_between(first, last)
    if len(months) > MAX_PARTITIONS:
        raise PartitioningRefused(
            f"{TABLE}.{KEY} spans {oldest} to {newest}: {len(months)} monthly partitions "
            f"(more than {MAX_PARTITIONS}); correct the out-of-range instants first",
            oldest=str(oldest),
            newest=str(newest),
        )
    restore = _check_convertible(conn)
    plan = PartitionPlan(converts=True, rows=rows)
    plan.statements.append(
        f"CREATE TABLE {STAGING} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("{KEY}")'
    )
    for month in months:
        name = month.partition_name(TABLE)
        plan.partitions.append(name)
        plan.statements.append(
            f"CREATE TABLE {name} PARTITION OF {STAGING} FOR VALUES {month.bounds_sql()}"
        )
    plan.partitions.append(DEFAULT_PARTITION)
    plan.statements.append(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {STAGING} DEFAULT")
    # Keys and indexes are built after the copy: one sorted build per partition is much faster
    # than maintaining them row by row.
    plan.statements.append(f"INSERT INTO {STAGING} SELECT * FROM {TABLE}")  # noqa: S608
    plan.statements.extend(restore)
    return plan


def _months_plan(conn: Connection, now: datetime, months_ahead: int) -> PartitionPlan:
    existing = partition_names(conn, TABLE)
    has_default = DEFAULT_PARTITION in existing
    current = Month.of(now)
    plan = PartitionPlan(converts=False, rows=0)
    for month in months_between(current, add_months(current, months_ahead)):
        name = month.partition_name(TABLE)
        if name in existing:
            continue
        plan.partitions.append(name)
        bounds = month.bounds_sql()
        if has_default and default_has_rows(conn, DEFAULT_PARTITION, KEY, month):
            # PostgreSQL refuses a new partition whose range has rows in the DEFAULT partition:
            # build it detached, move those rows, then attach it.
            lo, hi = month.lower().isoformat(), month.upper().isoformat()
            # Only constants and computed month bounds are formatted in: hence the noqa.
            move = (
                f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE \"{KEY}\" >= '{lo}' "  # noqa: S608
                f"AND \"{KEY}\" < '{hi}' RETURNING *) INSERT INTO {name} SELECT * FROM moved"
            )
            plan.statements.extend([
                f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                "INCLUDING STORAGE INCLUDING COMMENTS)",
                move,
                f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES {bounds}",
            ])
        else:
            plan.statements.append(
                f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES {bounds}"
            )
    return plan


def plan_partitioning(conn: Connection, now: datetime, months_ahead: int) -> PartitionPlan:
    """What `partition_events` would do now, without changing anything."""
    _require_postgresql(conn)
    if months_ahead < 0:
        raise BadRequest("months_ahead must be 0 or more", months_ahead=months_ahead)
    if not regclass_exists(conn, TABLE):
        raise PartitioningRefused(f"table {TABLE} does not exist; run `tthc db upgrade` first")
    if is_partitioned(conn, TABLE):
        return _months_plan(conn, now, months_ahead)
    if regclass_exists(conn, STAGING):
        raise PartitioningRefused(f"table {STAGING} exists already; drop it or rename it first")
    return _conversion_plan(conn, now, months_ahead)


def partition_events(
    conn: Connection,
    now: datetime,
    months_ahead: int = DEFAULT_MONTHS_AHEAD,
    *,
    dry_run: bool = False,
) -> PartitionResult:
    """Convert `dossier_event` to monthly partitions, or add the missing months if it is already.

    Runs inside the caller's transaction (the caller commits). The conversion holds an ACCESS
    EXCLUSIVE lock on the table until the commit: ingest and reads of events wait meanwhile.
    """
    _require_postgresql(conn)
    started = time.perf_counter()
    if not dry_run:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        if regclass_exists(conn, TABLE) and not is_partitioned(conn, TABLE):
            # Taken before reading the data's span so no row arrives between plan and copy.
            conn.execute(text("LOCK TABLE dossier_event IN ACCESS EXCLUSIVE MODE"))
    plan = plan_partitioning(conn, now, months_ahead)
    if not dry_run:
        for statement in plan.statements:
            conn.execute(text(statement))
    return PartitionResult(plan=plan, executed=not dry_run, seconds=time.perf_counter() - started)


def add_future_months(conn: Connection, now: datetime, months_ahead: int) -> list[str]:
    """For the scheduler: add missing months to a partitioned `dossier_event`; on SQLite or an
    unpartitioned table, do nothing (partitioning is the operator's choice, not the job's)."""
    if conn.dialect.name != "postgresql" or not regclass_exists(conn, TABLE):
        return []
    if not is_partitioned(conn, TABLE):
        return []
    return partition_events(conn, now, months_ahead).plan.partitions
