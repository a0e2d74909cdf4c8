"""What Alembic's autogenerate (and `alembic check`) leaves out on a partitioned PostgreSQL
database, so that it reports real differences between the models and the schema only.

The models describe the plain layout, the one SQLite has. On PostgreSQL migration 0004 swaps
`dossier` and `dossier_event` for their partitioned layout (app/db/partitions/specs.py), whose
only differences are the layout itself: the monthly partitions and `dossier_key` (no model),
the keys widened by the partition key, `dossier.code`'s uniqueness held by `dossier_key` (each
partition's own unique index on it is part of the partition, left out with it; the first layout's
plain `ix_dossier_code` on the parent, until the next run replaces it), and the children's
foreign keys aimed at `dossier_key(id)`. Those, and only those, are filtered out;
tests/db/test_partitioning_migration.py checks that the foreign keys left out keep the models'
columns and ON DELETE rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, ForeignKeyConstraint

from app.db.partitions.catalog import is_partitioned, regclass_exists
from app.db.partitions.specs import TABLES, PartitionedTable

IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]

_LAYOUT_TABLE = re.compile(
    rf"^(?:{'|'.join(re.escape(s.name) for s in TABLES)})_(?:p\d{{4}}_\d{{2}}|default)$"
)
_KEY_TABLES = {s.key_table_name for s in TABLES if s.key_table}


def layout_table(name: str) -> bool:
    """A monthly or DEFAULT partition, or a key table: part of the layout, never a model."""
    return bool(_LAYOUT_TABLE.match(name)) or name in _KEY_TABLES


def partitioned_tables(conn: Connection | None) -> list[PartitionedTable]:
    if conn is None or conn.dialect.name != "postgresql":
        return []
    return [s for s in TABLES if regclass_exists(conn, s.name) and is_partitioned(conn, s.name)]


def _layout_only(spec: PartitionedTable, obj: Any, type_: str, reflected: bool) -> bool:
    table = getattr(getattr(obj, "table", None), "name", None)
    if type_ == "foreign_key_constraint" and isinstance(obj, ForeignKeyConstraint):
        target = obj.referred_table.name
        return spec.key_table and target == (spec.key_table_name if reflected else spec.name)
    if table != spec.name:
        return False
    if type_ == "unique_constraint":
        names = spec.partitioned.unique if reflected else spec.plain.unique
        return obj.name in names
    return type_ == "index" and reflected and obj.name in spec.replaced_indexes


def _made_on(index: Any, conn: Connection | None) -> bool:
    """Whether the model's ``index`` exists on ``conn``'s database (an index made only on one
    dialect, `Index.ddl_if`, is absent from the others)."""
    only = getattr(index, "_ddl_if", None)
    wanted = getattr(only, "dialect", None)
    return conn is None or wanted is None or wanted == conn.dialect.name


def include_object_for(conn: Connection | None) -> IncludeObject:
    """An `include_object` hook for the database behind `conn` (None: offline, plain).

    The catalog is read at the first call, inside autogenerate: reading it earlier would begin
    a transaction on the connection before Alembic's, which Alembic then leaves uncommitted."""
    known: list[list[PartitionedTable]] = []

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if not known:
            known.append(partitioned_tables(conn))
        partitioned = known[0]
        if type_ == "foreign_key_constraint":
            # Kept under their names, so Alembic pairs them (compare_to) and still sees two
            # different targets.
            return not any(_layout_only(spec, obj, type_, reflected) for spec in partitioned)
        if compare_to is not None:  # on both sides: compared as usual
            return True
        if type_ == "index" and not reflected and not _made_on(obj, conn):
            return False
        if type_ == "table":
            return not (reflected and name is not None and layout_table(name))
        return not any(_layout_only(spec, obj, type_, reflected) for spec in partitioned)

    return include_object
