"""PostgreSQL inserts of small pages as ONE statement whose text never changes: each column's
values travel as one array parameter, ``INSERT … SELECT * FROM unnest(%s::type[], …)``.

A multi-row ``INSERT … VALUES`` (SQLAlchemy's insertmanyvalues) has a different text for every
row count: psycopg parses each such text again (its query cache skips long statements), and
PostgreSQL parses and plans it again, every time. A pipelined executemany sends a statement per
row. For the receiver's groups of a few deliveries (docs/scaling.md, the receiver) these were a
third of the writer's inserts' time. The unnest form has one text per (table, columns, clause),
so psycopg converts it once and prepares it after a few uses (a named server-side plan), and
PostgreSQL inserts the page in one statement. Big pages still take COPY (app/db/pg_copy.py).

Values go through each column's SQLAlchemy bind processor first, as in the COPY path: the
database receives what the ORM writes (UTC instants, the same JSON). Errors are raised as
SQLAlchemy raises a statement's (a unique violation is an IntegrityError), so callers that
retry a lost insert race see what they expect.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.db.types import UTCDateTime

# "VARCHAR(64)", "CHAR(2)": a length the array's cast would enforce by cutting.
_SIZED_TEXT = re.compile(r"(VARCHAR|CHAR|CHARACTER VARYING|CHARACTER)\(\d+\)")


def _unnest(target: Table, columns: Sequence[str], dialect: Dialect) -> str:
    """``unnest(%s::type[], …)``: one array parameter per column, of the column's type."""
    return "unnest(" + ", ".join(
        f"%s::{_array_of(target.c[name].type.compile(dialect=dialect))}[]" for name in columns
    ) + ")"


def _as_arrays(by_column: Sequence[Sequence[Any]]) -> tuple[list[Any], ...]:
    # psycopg sends a list as an array, a tuple as a record
    return tuple(a if isinstance(a, list) else list(a) for a in by_column)


def _array_of(column_type: str) -> str:
    """The array type a column's values travel as. An explicit cast to varchar(n) cuts a longer
    value without a word; sent as text, the column's own assignment refuses it with an error,
    as an INSERT of that value would."""
    return "TEXT" if _SIZED_TEXT.fullmatch(column_type) else column_type


@lru_cache(maxsize=64)
def _prepared(
    target: Table, columns: tuple[str, ...], clause: str, returning: tuple[str, ...],
    dialect: Dialect,
) -> str:
    preparer = dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    # identifiers quoted by the dialect, types the model's, the clause a caller's constant
    statement = (f"INSERT INTO {preparer.format_table(target)} ({names}) "  # noqa: S608
                 f"SELECT * FROM {_unnest(target, columns, dialect)} {clause}")
    if returning:
        statement += " RETURNING " + ", ".join(preparer.quote(name) for name in returning)
    return statement


def in_database_form(
    table: Table, columns: Sequence[str], by_column: Sequence[Sequence[Any]], dialect: Dialect,
    as_is: frozenset[str] = frozenset(),
) -> list[Sequence[Any]]:
    """Each column's values through its type's bind processor, run here once per value (what
    the ORM would send: UTC instants, JSON text); ``as_is`` columns hold values already in
    the database's form."""
    converted: list[Sequence[Any]] = []
    for name, values in zip(columns, by_column, strict=True):
        column_type = table.c[name].type
        to_db = None if name in as_is else column_type._cached_bind_processor(dialect)
        if to_db is None:
            converted.append(values)
        elif isinstance(column_type, UTCDateTime | Boolean):
            converted.append(_once_per_value(to_db, values))
        else:
            converted.append([to_db(value) for value in values])
    return converted


def _once_per_value(to_db: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """A column of instants or flags converted once per distinct value: a scan's page
    repeats its `now` in every row (recorded, created, classified as of) and a dossier's due
    in each of its facts, and a flag is one of two values. Equal instants convert to equal
    values whatever their offset (UTC text or a UTC datetime), and a naive value equals no
    aware one, so it still reaches `to_db`; values equal to True or False (1, 1.0) are the
    flag as the processor stores it, and any other value reaches it to be refused."""
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        found = done.get(value)
        if found is None:
            found = done[value] = to_db(value)
        out.append(found)
    return out


def insert_unnest_columns(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    by_column: Sequence[Sequence[Any]],
    *,
    clause: str = "",
    returning: Sequence[str] = (),
    as_is: frozenset[str] = frozenset(),
) -> tuple[list[tuple[Any, ...]], int]:
    """INSERT the rows given column by column (``by_column[i]`` holds every row's value of
    ``columns[i]``) into ``model``'s table as one statement; ``clause`` is what follows the
    SELECT (an ``ON CONFLICT …``, written with the table's column names and ``EXCLUDED``).
    Returns the ``returning`` columns of the rows written, in no particular order, and how
    many rows the statement wrote. ``as_is``
    columns hold values already in the database's form (JSON text serialised by the caller),
    given to the driver without the column's processor. The session is flushed first, as the
    ORM statements this replaces would have autoflushed."""
    target: Table = model.__table__
    session.flush()
    connection = session.connection()
    statement = _prepared(target, tuple(columns), clause, tuple(returning), connection.dialect)
    arrays = in_database_form(target, columns, by_column, connection.dialect, as_is)
    result = connection.exec_driver_sql(statement, _as_arrays(arrays))
    return (list(map(tuple, result.fetchall())) if returning else []), result.rowcount


@lru_cache(maxsize=64)
def _update_prepared(
    target: Table, columns: tuple[str, ...], keys: tuple[str, ...], dialect: Dialect,
) -> str:
    preparer = dialect.identifier_preparer
    quote = preparer.quote
    table = preparer.format_table(target)
    names = (*columns, *keys)
    # the arrays' columns are named by position: a key may also be a column written
    values = ", ".join(f"v{n}" for n in range(len(names)))
    # identifiers quoted by the dialect, types the model's; values travel as arrays only
    return (f"UPDATE {table} SET "  # noqa: S608
            + ", ".join(f"{quote(name)} = v.v{n}" for n, name in enumerate(columns))
            + f" FROM {_unnest(target, names, dialect)} AS v({values}) WHERE "
            + " AND ".join(f"{table}.{quote(key)} = v.v{n}"
                           for n, key in enumerate(keys, len(columns))))


def update_unnest_columns(
    connection: Any, target: Table, columns: Sequence[str], keys: Sequence[str],
    by_column: Sequence[Sequence[Any]],
) -> None:
    """``UPDATE … SET <columns> FROM unnest(<arrays>) WHERE <keys> match``: the rows given
    column by column, values of `columns` then of `keys`, already in the database's form
    (`in_database_form`), as one statement of constant text instead of one per row. Each
    row's keys must name one row (`app.db.bulk.update_many` checks). On the dossier's
    monthly partitions the join prunes to each row's partition while it runs, as the
    per-row statement's ``received_at = …`` did."""
    statement = _update_prepared(target, tuple(columns), tuple(keys), connection.dialect)
    connection.exec_driver_sql(statement, _as_arrays(by_column))
