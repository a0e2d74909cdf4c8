"""The statements that swap a table between its plain and its monthly partitioned layout.

Both directions work the same way, in the caller's transaction: a staging table of the other
layout is created, every row is copied with one INSERT ... SELECT, the id sequence is handed
over, the old table is dropped and the staging table renamed into its place. Keys and indexes
are built after the copy (one sorted build per index is much faster than maintaining them row by
row); foreign keys, plain indexes and triggers are carried over from the live definition, and
only the keys that differ between the layouts (app/db/partitions/specs.py) are rewritten, the
partitions' own unique indexes included.

The staging table has no triggers, so the copy neither counts rows into the rate rollup again
nor touches `dossier_key`: both already describe exactly these rows.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from app.db.partitions import keys as partition_keys
from app.db.partitions.catalog import (
    IncomingKey,
    Month,
    TableShape,
    add_months,
    column_type,
    data_span,
    months_between,
    regclass_exists,
    table_shape,
)
from app.db.partitions.specs import (
    LIKE_OPTIONS,
    Layout,
    PartitionedTable,
    PartitioningRefused,
    PartitionPlan,
)

# A century of months: more means a corrupt timestamp, which should be fixed, not partitioned.
MAX_PARTITIONS = 1200


def _key_statements(table: str, layout: Layout) -> list[str]:
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} "
        f"PRIMARY KEY ({', '.join(layout.primary_key)})",
        *(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({', '.join(columns)})"
            for name, columns in layout.unique.items()
        ),
    ]


def _repointed(key: IncomingKey, old: str, new: str, column: str) -> str | None:
    """The foreign key's definition aimed at `new` instead of `old`; None if it is not a plain
    reference to `old(column)`."""
    pattern = re.compile(rf"REFERENCES (?:\S+\.)?{re.escape(old)}\({re.escape(column)}\)")
    definition, count = pattern.subn(f"REFERENCES {new}({column})", key.definition)
    return definition if count == 1 else None


def _check_plain(conn: Connection, spec: PartitionedTable, shape: TableShape) -> None:
    """Refuse what the partitioned layout cannot carry; nothing has changed yet."""
    problems: list[str] = []
    if tuple(shape.primary_key) != spec.plain.primary_key:
        expected_key = list(spec.plain.primary_key)
        problems.append(f"primary key is {shape.primary_key}, expected {expected_key}")
    expected = sorted(list(c) for c in spec.plain.unique.values())
    if sorted(shape.unique_keys) != expected:
        problems.append(f"unique keys are {shape.unique_keys}, expected {expected}")
    if shape.unique_indexes:
        problems.append(f"unique indexes without the partition key: {shape.unique_indexes}")
    if shape.incoming and not spec.key_table:
        names = [f"{k.owner}.{k.name}" for k in shape.incoming]
        problems.append(f"foreign keys point at it: {names}")
    elif spec.key_table:
        (key,) = spec.plain.primary_key
        odd = [k.name for k in shape.incoming
               if _repointed(k, spec.name, spec.key_table_name, key) is None]
        if odd:
            problems.append(f"foreign keys that do not point at its {key}: {odd}")
        if regclass_exists(conn, spec.key_table_name):
            problems.append(f"table {spec.key_table_name} exists already")
    if shape.triggers and not spec.carries_triggers:
        problems.append(f"it has triggers: {[t.name for t in shape.triggers]}")
    # PostgreSQL allows transition tables only on statement-level triggers of a partitioned table.
    row_transition = [t.name for t in shape.triggers if t.row_level and t.transition_tables]
    if row_transition:
        problems.append(f"row-level triggers with transition tables: {row_transition}")
    if problems:
        raise PartitioningRefused(
            f"{spec.name} cannot be partitioned as it is: " + "; ".join(problems),
            problems=problems,
        )


def _months(conn: Connection, spec: PartitionedTable, now: datetime, months_ahead: int
            ) -> tuple[int, list[Month]]:
    rows, oldest, newest = data_span(conn, spec.name, spec.key)
    current = Month.of(now)
    first = min(Month.of(oldest), current) if oldest is not None else current
    last = max(Month.of(newest) if newest else current, add_months(current, months_ahead))
    months = months_between(first, last)
    if len(months) > MAX_PARTITIONS:
        raise PartitioningRefused(
            f"{spec.name}.{spec.key} spans {oldest} to {newest}: {len(months)} monthly "
            f"partitions (more than {MAX_PARTITIONS}); correct the out-of-range instants first",
            oldest=str(oldest),
            newest=str(newest),
        )
    return rows, months


_TARGET = re.compile(r"REFERENCES (?:\S+\.)?(\w+)\(")


def _target(definition: str) -> str | None:
    found = _TARGET.search(definition)
    return found.group(1) if found else None


def _outgoing(
    spec: PartitionedTable, shape: TableShape, later: frozenset[str]
) -> tuple[list[str], list[IncomingKey]]:
    """The table's own foreign keys: those to re-add now, and those aimed at a table converted
    later in the same run, which that conversion adds (re-pointed) after its swap. A foreign
    key is checked against every row when added, per partition on a partitioned table: once is
    enough (at a million dossiers, the events' check takes 7 s)."""
    now_added, deferred = [], []
    for name, definition in shape.foreign_keys:
        if _target(definition) in later:
            deferred.append(IncomingKey(spec.name, name, definition))
        else:
            now_added.append(f"ALTER TABLE {spec.name} ADD CONSTRAINT {name} {definition}")
    return now_added, deferred


def _incoming(
    spec: PartitionedTable, current: list[IncomingKey], pending: list[IncomingKey]
) -> tuple[list[IncomingKey], list[IncomingKey]]:
    """Foreign keys into the table (or its key table): those to drop before the swap, and all
    those to add back after it, the ones an earlier conversion of this run deferred included."""
    mine = [k for k in pending if _target(k.definition) in (spec.name, spec.key_table_name)]
    deferred = {(k.owner, k.name) for k in mine}
    to_drop = [k for k in current if (k.owner, k.name) not in deferred]
    return to_drop, to_drop + mine


def _swap(
    spec: PartitionedTable,
    shape: TableShape,
    staging: str,
    layout: Layout,
    later: frozenset[str],
    drop: list[IncomingKey],
) -> tuple[list[str], list[IncomingKey]]:
    """Copy into `staging`, put it in the table's place, give it `layout`'s keys and carry the
    foreign keys, plain indexes and triggers over (not the layout's own ones)."""
    t = spec.name
    foreign_keys, deferred = _outgoing(spec, shape, later)
    triggers = partition_keys.trigger_names(spec)
    statements = [
        f"INSERT INTO {staging} SELECT * FROM {t}",  # noqa: S608
        *(f"ALTER SEQUENCE {seq} OWNED BY {staging}.{col}" for seq, col in shape.owned_sequences),
        *(f"ALTER TABLE {k.owner} DROP CONSTRAINT {k.name}" for k in drop),
        f"DROP TABLE {t}",
        f"ALTER TABLE {staging} RENAME TO {t}",
        *_key_statements(t, layout),
        *foreign_keys,
        *(d for name, d in shape.plain_indexes if name not in spec.replaced_indexes),
        *(trigger.definition for trigger in shape.triggers if trigger.name not in triggers),
    ]
    return statements, deferred


def _add_back(keys: list[IncomingKey], old: str, new: str, column: str) -> list[str]:
    statements = []
    for k in keys:
        definition = _repointed(k, old, new, column)
        if definition is None:
            raise PartitioningRefused(f"{k.owner}.{k.name} does not point at {old}({column})")
        statements.append(f"ALTER TABLE {k.owner} ADD CONSTRAINT {k.name} {definition}")
    return statements


def conversion_plan(
    conn: Connection,
    spec: PartitionedTable,
    now: datetime,
    months_ahead: int,
    *,
    later: frozenset[str] = frozenset(),
    pending: list[IncomingKey] | None = None,
) -> PartitionPlan:
    """Plain -> partitioned by RANGE (key), a partition per local month from the oldest row to
    `months_ahead` months after `now`, plus a DEFAULT partition. `later`: tables the same run
    converts afterwards; `pending`: foreign keys an earlier conversion left to this one."""
    t, staging = spec.name, spec.partitioned_staging
    if regclass_exists(conn, staging):
        raise PartitioningRefused(f"table {staging} exists already; drop it or rename it first")
    rows, months = _months(conn, spec, now, months_ahead)
    shape = table_shape(conn, t)
    _check_plain(conn, spec, shape)
    plan = PartitionPlan(table=t, converts=True, rows=rows)
    (key,) = spec.plain.primary_key
    drop, add_back = _incoming(spec, shape.incoming, pending or [])
    if spec.key_table:
        columns = [key, *(c for cs in spec.plain.unique.values() for c in cs)]
        types = {c: column_type(conn, t, c) for c in columns}
        plan.statements += partition_keys.key_table_statements(spec, types)
    plan.statements.append(
        f'CREATE TABLE {staging} (LIKE {t} {LIKE_OPTIONS}) PARTITION BY RANGE ("{spec.key}")'
    )
    for month in months:
        name = month.partition_name(t)
        plan.partitions.append(name)
        plan.statements.append(
            f"CREATE TABLE {name} PARTITION OF {staging} FOR VALUES {month.bounds_sql()}"
        )
    plan.partitions.append(spec.default_partition)
    plan.statements.append(f"CREATE TABLE {spec.default_partition} PARTITION OF {staging} DEFAULT")
    swap, plan.deferred = _swap(spec, shape, staging, spec.partitioned, later, drop)
    plan.statements += swap
    for name in plan.partitions:
        plan.statements += spec.local_indexes(name).values()
    if spec.key_table:
        plan.statements += partition_keys.trigger_statements(spec)
        plan.statements += _add_back(add_back, t, spec.key_table_name, key)
    plan.statements += _analyze(rows, spec.key_table_name if spec.key_table else None, t)
    return plan


def _analyze(rows: int, *tables: str | None) -> list[str]:
    """Fresh statistics for tables that received rows. An empty table is left unanalysed: its
    statistics would then say "0 rows" until the next ANALYZE, and with autovacuum off (or
    before it runs) the planner would scan a table a bulk import has since filled; a table
    never analysed is instead estimated from its size."""
    return [f"ANALYZE {t}" for t in tables if t is not None] if rows else []


def revert_plan(
    conn: Connection,
    spec: PartitionedTable,
    *,
    later: frozenset[str] = frozenset(),
    pending: list[IncomingKey] | None = None,
) -> PartitionPlan:
    """Partitioned -> plain, with the keys and foreign keys of the plain layout (a downgrade)."""
    t, staging = spec.name, spec.plain_staging
    if regclass_exists(conn, staging):
        raise PartitioningRefused(f"table {staging} exists already; drop it or rename it first")
    rows, _, _ = data_span(conn, t, spec.key)
    shape = table_shape(conn, t)
    current: list[IncomingKey] = []
    if spec.key_table and regclass_exists(conn, spec.key_table_name):
        current = table_shape(conn, spec.key_table_name).incoming
    drop, add_back = _incoming(spec, current + shape.incoming, pending or [])
    plan = PartitionPlan(table=t, converts=True, rows=rows)
    plan.statements.append(f"CREATE TABLE {staging} (LIKE {t} {LIKE_OPTIONS})")
    swap, plan.deferred = _swap(spec, shape, staging, spec.plain, later, drop)
    plan.statements += swap
    if spec.key_table:
        (key,) = spec.plain.primary_key
        plan.statements += partition_keys.drop_statements(spec)
        plan.statements += _add_back(add_back, spec.key_table_name, t, key)
    plan.statements += _analyze(rows, t)
    return plan
