"""PostgreSQL bulk writes of ingestion: ``COPY`` straight into the table, or into a staging
table and one ``INSERT … SELECT``.

Rows that can only be new (`copy_new_rows`: new dossiers and their applicants, new raw payloads)
are streamed with psycopg's ``COPY … FROM STDIN`` straight into their table, their ids taken
beforehand from the table's sequence in input order; the table's triggers fire as for an
``INSERT``. Rows that may meet a conflict to resolve (a progress step stored already, a payload
a concurrent writer stored since the look-up) go into a temporary table with the target's
column types (`stage_rows`); the caller then moves them with a single ``INSERT … SELECT``
carrying the same ``ON CONFLICT`` clause (and ``RETURNING``) as the executemany path SQLite
keeps. Sending a page as parameters costs a round trip and a parse per batch of rows; COPY
costs one stream, and fires the statement-level rollup triggers of migration 0002 once.

Each value goes through its column's SQLAlchemy bind processor first, so the database receives
exactly what the ORM path writes: UTC instants (a naive one is refused), ``id_numbers`` as the
same JSON (``None`` included). Everything runs on the session's connection, inside its
transaction; the staging table is dropped at commit and replaced on each use, so repeated pages
in one transaction and rolled-back savepoints never meet a stale one.

Only pages of at least ``COPY_MIN_ROWS`` rows take this path (`wants_copy`). Each staging table
is a catalog entry created and dropped: a row in ``pg_class``, one per column in
``pg_attribute``, a type, and their dead versions until VACUUM. For a page of thousands that is
nothing; for a webhook delivery of one record it was the whole cost, and at 20 deliveries a
second it left ~1.6 million dead ``pg_attribute`` rows in 20 minutes (issue 20). A smaller page
goes as one ``INSERT … SELECT FROM unnest`` of array parameters instead
(app/db/pg_unnest.py), which touches no catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Final

import psycopg
from psycopg import Connection, sql
from sqlalchemy import Column, Integer, MetaData, Select, Table, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable, DropTable

#: The staging table's extra column: the input order, so ids are assigned as executemany would.
ORDER: Final = "stage_order"
# In pg_temp, so dropping a missing staging table can never reach a real table of that name.
_TEMP_SCHEMA: Final = "pg_temp"
_stages: dict[tuple[str, tuple[str, ...]], Table] = {}
#: Below this many rows a page is inserted with parameters: measured in docs/scaling.md.
COPY_MIN_ROWS: Final = 64


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def wants_copy(session: Session, rows: Sequence[object]) -> bool:
    """Whether ``rows`` go through a COPY-filled staging table (PostgreSQL, a big page)."""
    return len(rows) >= COPY_MIN_ROWS and is_postgresql(session)


def _stage_table(target: Table, columns: tuple[str, ...]) -> Table:
    key = (target.name, columns)
    stage = _stages.get(key)
    if stage is None:
        # column types only: no key, no NOT NULL, so rows need no id and load as they are
        stage = Table(
            f"ingest_stage_{target.name}", MetaData(),
            *[Column(name, target.c[name].type) for name in columns],
            Column(ORDER, Integer),
            schema=_TEMP_SCHEMA, prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
        )
        _stages[key] = stage
    return stage


def stage_rows(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]]
) -> tuple[list[str], Select[Any]]:
    """COPY ``rows`` (all with the same keys) into a fresh staging table for ``model``'s table.

    Returns the column names and the ``SELECT`` of the staged rows in input order, ready for
    ``insert(model).from_select(columns, select)``. The session is flushed first, as the ORM
    statements this replaces would have autoflushed.
    """
    target: Table = model.__table__
    columns = tuple(rows[0]) if rows else ()
    stage = _stage_table(target, columns)
    session.flush()
    connection = session.connection()
    connection.execute(DropTable(stage, if_exists=True))
    connection.execute(CreateTable(stage))
    _copy(session, target, sql.Identifier(_TEMP_SCHEMA, stage.name), columns, rows, ORDER,
          list(range(len(rows))))
    staged = select(*[stage.c[name] for name in columns]).order_by(stage.c[ORDER])
    return list(columns), staged


def copy_new_rows(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], *, with_ids: bool
) -> list[int]:
    """COPY ``rows`` (all with the same keys) straight into ``model``'s table, for rows that
    cannot meet a conflict other than as an error (the caller's transaction then fails, as
    the ``INSERT … SELECT`` without ``ON CONFLICT`` it replaces would have).

    With ``with_ids`` each row gets the next value of the table's ``id`` sequence, ascending
    in input order as an ``INSERT`` would give them, and the ids are returned. The rows'
    triggers (the rollup's and ``dossier_key``'s statement triggers) fire as for an
    ``INSERT``. Half the server's work of the staging path: no temporary table written, read
    back and sorted (docs/scaling.md, round 2)."""
    target: Table = model.__table__
    columns = tuple(rows[0]) if rows else ()
    session.flush()
    ids: list[int] = []
    if with_ids and rows:
        ids = sorted(session.scalar(_NEXT_IDS, {"table": target.name, "n": len(rows)}))
    _copy(session, target, sql.Identifier(target.name), columns, rows,
          "id" if with_ids else None, ids)
    return ids


# One row holding the n ids as an array: fetched as 5,000 rows, they cost the writer more
# than the statement (SQLAlchemy's row-by-row fetch; ~6 % of an import's CPU, docs/scaling.md).
_NEXT_IDS = text(
    "SELECT array_agg(nextval(sequence)) FROM pg_get_serial_sequence(:table, 'id') AS sequence, "
    "generate_series(1, :n)"
)


def _copy(
    session: Session, target: Table, table: sql.Composable, columns: Sequence[str],
    rows: Sequence[dict[str, Any]], extra: str | None, extras: Sequence[int],
) -> None:
    """Stream ``rows`` into ``table`` with COPY on the session's connection; ``extra`` names
    one more column whose values are ``extras``, one per row."""
    connection = session.connection()
    dialect = connection.dialect
    # only the columns whose type converts values (instants, JSON): the others go as they are
    processors: list[tuple[int, Callable[[Any], Any]]] = [
        (position, convert)
        for position, name in enumerate(columns)
        if (convert := target.c[name].type._cached_bind_processor(dialect)) is not None
    ]
    names = (*columns, extra) if extra is not None else tuple(columns)
    # a row's values in column order (itemgetter of one name gives the value, not a tuple)
    pick: Callable[[Any], Any] = itemgetter(*columns) if columns else (lambda row: ())
    several = len(columns) != 1
    driver: Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    try:
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for index, row in enumerate(rows):
                values = list(pick(row)) if several else [pick(row)]
                for position, to_db in processors:
                    values[position] = to_db(values[position])
                if extra is not None:
                    values.append(extras[index])
                copy.write_row(values)
    except psycopg.Error as exc:
        # raised as SQLAlchemy raises the statements' errors (a unique violation is an
        # IntegrityError), so callers that retry a lost insert race see what they expect
        raise DBAPIError.instance(copy_sql.as_string(driver), None, exc, psycopg.Error,
                                  dialect=dialect) from exc
