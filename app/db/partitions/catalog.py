"""What PostgreSQL's catalog says about a table, for the monthly partitioning (docs/scaling.md).

Reading the live definition (rather than restating it) keeps the conversion right after later
migrations add a column, an index, a foreign key or a trigger: those are carried over, and only
what cannot be carried over to the other layout is refused with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnClause, Connection, func, literal, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table

from app.core.clock import LOCAL_TZ


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in Vietnamese local time: reports count local months, so do partitions."""

    year: int
    month: int

    @classmethod
    def of(cls, instant: datetime) -> Month:
        local = instant.astimezone(LOCAL_TZ)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def lower(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=LOCAL_TZ)

    def upper(self) -> datetime:
        return self.next().lower()

    def partition_name(self, table: str) -> str:
        return f"{table}_p{self.year:04d}_{self.month:02d}"

    def bounds_sql(self) -> str:
        return f"FROM ('{self.lower().isoformat()}') TO ('{self.upper().isoformat()}')"


def months_between(first: Month, last: Month) -> list[Month]:
    months = [first]
    while months[-1] < last:
        months.append(months[-1].next())
    return months


def add_months(start: Month, count: int) -> Month:
    index = start.year * 12 + start.month - 1 + count
    return Month(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class IncomingKey:
    """A foreign key of another table that points at this one."""

    owner: str
    name: str
    definition: str  # pg_get_constraintdef: "FOREIGN KEY (x) REFERENCES t(id) ON DELETE ..."


@dataclass(frozen=True)
class Trigger:
    name: str
    definition: str  # pg_get_triggerdef: a complete CREATE TRIGGER statement
    row_level: bool
    transition_tables: bool


@dataclass
class TableShape:
    """The parts of a table's definition that a layout change has to carry over or refuse."""

    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)
    plain_indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX)
    unique_indexes: list[str] = field(default_factory=list)  # not backing a constraint
    owned_sequences: list[tuple[str, str]] = field(default_factory=list)  # (sequence, column)
    triggers: list[Trigger] = field(default_factory=list)
    incoming: list[IncomingKey] = field(default_factory=list)


def regclass_exists(conn: Connection, name: str) -> bool:
    return bool(conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one())


def existing_relations(conn: Connection, names: list[str]) -> set[str]:
    """Those of `names` that name a table, an index or a sequence."""
    if not names:
        return set()
    query = text(
        "SELECT n FROM unnest(CAST(:names AS text[])) AS n WHERE to_regclass(n) IS NOT NULL"
    )
    return {name for (name,) in conn.execute(query, {"names": names})}


def is_partitioned(conn: Connection, table: str) -> bool:
    found = conn.execute(
        text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
        {"t": table},
    ).first()
    return found is not None


def partition_names(conn: Connection, table: str) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    )
    return {name for (name,) in rows}


def column_type(conn: Connection, table: str, column: str) -> str:
    """The column's SQL type as PostgreSQL spells it, e.g. ``integer``."""
    return str(
        conn.execute(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = to_regclass(:t) AND attname = :c AND NOT attisdropped"
            ),
            {"t": table, "c": column},
        ).scalar_one()
    )


def _columns(conn: Connection, table_oid: int, attnums: list[int]) -> list[str]:
    names: dict[int, str] = dict(
        conn.execute(
            text("SELECT attnum, attname FROM pg_attribute WHERE attrelid = :oid AND attnum > 0"),
            {"oid": table_oid},
        ).all()
    )
    return [names[n] for n in attnums]


def table_shape(conn: Connection, table: str) -> TableShape:
    """Keys, indexes, sequences, triggers and incoming foreign keys of a plain or partitioned
    table (for a partitioned one: what is defined on the parent, which partitions inherit)."""
    oid = conn.execute(text("SELECT to_regclass(:t)::oid"), {"t": table}).scalar_one()
    shape = TableShape()
    constraints = conn.execute(
        text(
            "SELECT conname, contype, conkey, conindid, conrelid = :oid AS own, "
            "conrelid::regclass::text AS owner, pg_get_constraintdef(oid) AS definition "
            "FROM pg_constraint WHERE (conrelid = :oid OR confrelid = :oid) AND conparentid = 0 "
            "ORDER BY conname"
        ),
        {"oid": oid},
    ).all()
    constraint_indexes = set()
    for name, kind, key, index_oid, own, owner, definition in constraints:
        if not own:
            shape.incoming.append(IncomingKey(owner, name, definition))
            continue
        constraint_indexes.add(index_oid)
        if kind == "p":
            shape.primary_key = _columns(conn, oid, list(key))
        elif kind == "u":
            shape.unique_keys.append(_columns(conn, oid, list(key)))
        elif kind == "f":
            shape.foreign_keys.append((name, definition))
    indexes = conn.execute(
        text(
            "SELECT i.indexrelid, i.indexrelid::regclass::text, i.indisunique, "
            "pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = :oid ORDER BY i.indexrelid::regclass::text"
        ),
        {"oid": oid},
    ).all()
    for index_oid, name, unique, definition in indexes:
        if index_oid in constraint_indexes:
            continue
        if unique:
            shape.unique_indexes.append(definition)
        else:
            # A partitioned parent's index reads "ON ONLY t": the same index on a plain table.
            shape.plain_indexes.append((name, definition.replace(" ON ONLY ", " ON ", 1)))
    shape.owned_sequences = [
        (seq, column)
        for seq, column in conn.execute(
            text(
                "SELECT d.objid::regclass::text, a.attname FROM pg_depend d "
                "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                "WHERE d.refobjid = :oid AND d.classid = 'pg_class'::regclass "
                "AND d.deptype IN ('a', 'i') "
                "AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S'"
            ),
            {"oid": oid},
        ).all()
    ]
    shape.triggers = [
        Trigger(name, definition, bool(row_level), bool(transition))
        for name, definition, row_level, transition in conn.execute(
            text(
                "SELECT tgname, pg_get_triggerdef(oid), (tgtype & 1) = 1, "
                "tgoldtable IS NOT NULL OR tgnewtable IS NOT NULL "
                "FROM pg_trigger WHERE tgrelid = :oid AND NOT tgisinternal ORDER BY tgname"
            ),
            {"oid": oid},
        ).all()
    ]
    return shape


# The table and column names below are the callers' constants, never input.


def data_span(
    conn: Connection, table: str, key: str
) -> tuple[int, datetime | None, datetime | None]:
    """Row count and the oldest and newest partition-key values."""
    column: ColumnClause[datetime] = sa_column(key)
    query = select(func.count(), func.min(column), func.max(column)).select_from(
        sa_table(table, column)
    )
    count, oldest, newest = conn.execute(query).one()
    return int(count), oldest, newest


def default_months(conn: Connection, default: str, key: str) -> list[Month]:
    """The local months that have rows in a DEFAULT partition (none, normally)."""
    column: ColumnClause[datetime] = sa_column(key)
    month = func.date_trunc("month", func.timezone(LOCAL_TZ.key, column))
    query = select(month).select_from(sa_table(default, column)).group_by(month)
    return sorted(Month(local.year, local.month) for (local,) in conn.execute(query))


def default_month_rows(conn: Connection, default: str, key: str) -> dict[Month, int]:
    """Rows waiting in a DEFAULT partition, by local month."""
    column: ColumnClause[datetime] = sa_column(key)
    month = func.date_trunc("month", func.timezone(LOCAL_TZ.key, column))
    query = select(month, func.count()).select_from(sa_table(default, column)).group_by(month)
    return {Month(local.year, local.month): int(n) for local, n in conn.execute(query)}


def default_has_rows(conn: Connection, default: str, key: str, month: Month) -> bool:
    column: ColumnClause[datetime] = sa_column(key)
    query = (
        select(literal(1))
        .select_from(sa_table(default, column))
        .where(column >= month.lower(), column < month.upper())
        .limit(1)
    )
    found = conn.execute(query).first()
    return found is not None
