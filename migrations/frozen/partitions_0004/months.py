"""Missing months of a partitioned table: the coming ones, and those rows wait for in DEFAULT.

Rows reach the DEFAULT partition when their month has no partition: a far-future or far-past
instant, the month keeper down for a quarter, or history imported into a freshly migrated
database (whose partitions start at the migration's month). Such a month gets its partition on
the next run, and its rows are moved there in the same transaction.

Each partition gets the table's local unique indexes (app/db/partitions/specs.py) when it is
created; a run also builds those a partition lacks (one made by hand, or by the first version of
the layout, whose parent index on `code` it drops first).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from .catalog import (
    Month,
    add_months,
    default_has_rows,
    default_months,
    existing_relations,
    months_between,
    partition_names,
)
from .specs import LIKE_OPTIONS, PartitionedTable, PartitionPlan


def months_plan(
    conn: Connection, spec: PartitionedTable, now: datetime, months_ahead: int, *,
    move_default: bool = True,
) -> PartitionPlan:
    """The coming months' partitions, and (``move_default``) every month waiting in DEFAULT with
    its rows moved, in one plan. Without ``move_default`` a month with rows in DEFAULT is left
    to `move_statements`, one month per transaction (the scheduled job's way)."""
    t, default = spec.name, spec.default_partition
    existing = partition_names(conn, t)
    has_default = default in existing
    current = Month.of(now)
    wanted = set(months_between(current, add_months(current, months_ahead)))
    if has_default and move_default:
        wanted.update(default_months(conn, default, spec.key))
    plan = PartitionPlan(table=t, converts=False, rows=0)
    plan.statements += _missing_local_indexes(conn, spec, existing)
    for month in sorted(wanted):
        name = month.partition_name(t)
        if name in existing:
            continue
        if has_default and default_has_rows(conn, default, spec.key, month):
            if move_default:
                plan.partitions.append(name)
                plan.statements += move_statements(spec, month)
            continue
        plan.partitions.append(name)
        plan.statements.append(
            f"CREATE TABLE {name} PARTITION OF {t} FOR VALUES {month.bounds_sql()}")
        plan.statements += spec.local_indexes(name).values()
    return plan


def move_statements(spec: PartitionedTable, month: Month) -> list[str]:
    """A month's partition made from the rows waiting for it in DEFAULT.

    PostgreSQL refuses a new partition whose range has rows in the DEFAULT partition: build it
    detached, move those rows, then attach it. The statements name the partitions, never the
    parent, so no statement-level trigger of the parent fires: the rows stay the same dossiers
    with the same keys and rollup counts.
    """
    t, default, name = spec.name, spec.default_partition, month.partition_name(spec.name)
    lo, hi = month.lower().isoformat(), month.upper().isoformat()
    # Only constants and computed month bounds are formatted in: hence the noqa.
    move = (
        f"WITH moved AS (DELETE FROM {default} WHERE \"{spec.key}\" >= '{lo}' "  # noqa: S608
        f"AND \"{spec.key}\" < '{hi}' RETURNING *) INSERT INTO {name} SELECT * FROM moved"
    )
    return [
        f"CREATE TABLE {name} (LIKE {t} {LIKE_OPTIONS})",
        move,
        *spec.local_indexes(name).values(),
        f"ALTER TABLE {t} ATTACH PARTITION {name} FOR VALUES {month.bounds_sql()}",
    ]


def _missing_local_indexes(
    conn: Connection, spec: PartitionedTable, partitions: set[str]
) -> list[str]:
    """Drop the replaced parent indexes, then build the local indexes partitions lack: each is
    one sorted build under a SHARE lock on its partition (writes to it wait meanwhile)."""
    wanted = {p: spec.local_indexes(p) for p in sorted(partitions)}
    names = [*spec.replaced_indexes, *(name for found in wanted.values() for name in found)]
    found = existing_relations(conn, names)
    statements = [f"DROP INDEX {name}" for name in spec.replaced_indexes if name in found]
    for indexes in wanted.values():
        statements += [create for name, create in indexes.items() if name not in found]
    return statements
