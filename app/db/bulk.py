"""One bulk insert that skips rows colliding with a unique key, for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.pg_unnest import in_database_form, insert_unnest_columns, update_unnest_columns


def insert_new_rows(
    session: Session,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    unique: list[str] | None,
    returning: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """INSERT … ON CONFLICT DO NOTHING as one Core executemany: rows colliding with `unique`
    (``None``: with any unique key) are skipped, not errors, so two writers racing on the same
    fact both succeed and the loser inserts nothing. Returns the `returning` columns of the rows
    actually inserted (RETURNING, not rowcount: executemany reports none reliably)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(model)
    elif dialect == "sqlite":
        statement = sqlite.insert(model)
    else:  # pragma: no cover - the product runs on SQLite and PostgreSQL only
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    statement = statement.on_conflict_do_nothing(index_elements=unique)
    session.flush()  # Core bypasses the unit of work: pending rows (foreign keys) go first
    if not returning:
        session.connection().execute(statement, list(rows))
        return []
    result = session.connection().execute(statement.returning(*returning), list(rows))
    return [tuple(row) for row in result]


def insert_new_tuples(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    unique: Sequence[str] | None,
    returning: Sequence[str] = (),
    *,
    as_is: frozenset[str] = frozenset(),
) -> list[tuple[Any, ...]]:
    """`insert_new_rows` for the scan's tens of thousands of rows, without SQLAlchemy's
    per-row parameter work (a compiled parameter dict and a processor call per value, which
    cost more than the insert): `rows` are tuples in `columns` order, each column's bind
    processor runs once per value here, and the statement goes to the driver as text
    (SQLite: multi-row VALUES pages; PostgreSQL: one ``unnest`` statement). The database
    receives what `insert_new_rows` sends. `as_is` columns hold values already in the
    database's form (JSON text the caller serialised). Returns the `returning` columns of the
    rows actually inserted."""
    conflict = f"ON CONFLICT ({', '.join(unique)}) DO NOTHING" if unique else \
        "ON CONFLICT DO NOTHING"
    return insert_tuples(session, model, columns, rows, conflict, returning, as_is=as_is)


def insert_rows(
    session: Session,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    conflict: str = "",
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """`insert_tuples` of rows given as dicts (all with the same keys), each column's scalar
    Python default added where the rows lack it, as Core's executemany would (SQLite:
    multi-row VALUES pages; PostgreSQL: one ``unnest`` statement of constant text). An
    import's page went through SQLAlchemy's per-row parameter work, a quarter of the import's
    CPU on SQLite (docs/scaling.md, ingest.sqlite, fourth pass)."""
    if not rows:
        return []
    columns = list(rows[0])
    defaults = {c.name: c.default.arg for c in model.__table__.columns
                if c.name not in rows[0] and c.default is not None and c.default.is_scalar}
    tuples = [(*(row[name] for name in columns), *defaults.values()) for row in rows]
    return insert_tuples(session, model, [*columns, *defaults], tuples, conflict, returning)


def insert_tuples(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: str = "",
    returning: Sequence[str] = (),
    *,
    as_is: frozenset[str] = frozenset(),
) -> list[tuple[Any, ...]]:
    """`insert_new_tuples` with the ``ON CONFLICT …`` clause given (empty: a collision is an
    IntegrityError, as a plain insert's)."""
    return _inserted(session, model, columns, rows, conflict, returning, as_is)[0]


def count_new_tuples(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    unique: Sequence[str],
    *,
    as_is: frozenset[str] = frozenset(),
) -> int:
    """`insert_new_tuples`, returning how many rows it inserted: the statements' own row
    counts rather than a RETURNING row each, which SQLite sets aside until the statement
    ends and Python turns into a tuple each (for a first scan's outbox messages, a third of
    their INSERT's CPU)."""
    conflict = f"ON CONFLICT ({', '.join(unique)}) DO NOTHING"
    return _inserted(session, model, columns, rows, conflict, (), as_is)[1]


def insert_new_keys(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    unique: Sequence[str],
) -> set[tuple[Any, ...]]:
    """The `unique` keys of the rows `insert_new_tuples` inserts, as the rows give them (for
    keys stored as given: ids, codes). Usually every key is new (the caller left out those
    it knew): inside a savepoint the rows go without RETURNING, and when the statements'
    row counts show every distinct key inserted, those are the keys. Otherwise (another
    writer got there first) the savepoint is rolled back and the rows go again with
    RETURNING. SQLite sets every returned row aside until the statement ends: for a first
    scan's 100,000 facts that was 0.07 of their INSERT's 0.18 s."""
    if not rows:
        return set()
    positions = [list(columns).index(name) for name in unique]
    keys = {tuple(row[i] for i in positions) for row in rows}
    savepoint = session.begin_nested()
    if count_new_tuples(session, model, columns, rows, unique) == len(keys):
        savepoint.commit()
        return keys
    savepoint.rollback()
    return set(insert_new_tuples(session, model, columns, rows, unique, unique))


def _inserted(
    session: Session,
    model: type[Any],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: str,
    returning: Sequence[str],
    as_is: frozenset[str],
) -> tuple[list[tuple[Any, ...]], int]:
    """The `returning` columns of the rows inserted, and how many were."""
    if not rows:
        return [], 0
    dialect = session.get_bind().dialect
    by_column = list(zip(*rows, strict=True))
    if dialect.name == "postgresql":
        return insert_unnest_columns(session, model, columns, by_column, clause=conflict,
                                     returning=returning, as_is=as_is)
    if dialect.name != "sqlite":  # pragma: no cover - SQLite and PostgreSQL only
        raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
    table = model.__table__
    converted = list(zip(*in_database_form(table, columns, by_column, dialect, as_is),
                         strict=True))
    page = max(1, min(dialect.insertmanyvalues_page_size,
                      dialect.insertmanyvalues_max_parameters // len(columns)))
    # names are the model's own, quoted by the dialect; values travel as parameters only
    quote = dialect.identifier_preparer.quote
    head = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            "VALUES ")
    tail = f" {conflict}" if conflict else ""
    if returning:
        tail += " RETURNING " + ", ".join(quote(c) for c in returning)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    session.flush()  # as insert_new_rows: pending rows (foreign keys) go first
    connection = session.connection()
    inserted: list[tuple[Any, ...]] = []
    count = 0
    for start in range(0, len(converted), page):
        chunk = converted[start:start + page]
        result = connection.exec_driver_sql(
            head + ", ".join([one] * len(chunk)) + tail,
            tuple(chain.from_iterable(chunk)),
        )
        if returning:  # fetched at once: iterating the result fetched row by row
            inserted.extend(map(tuple, result.fetchall()))
        else:  # rows written by this one statement (a skipped conflict is none)
            count += result.rowcount
    return inserted, len(inserted) if returning else count


def update_many(
    session: Session, model: type[Any], keys: Sequence[str], rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
) -> None:
    """``UPDATE … SET <columns> WHERE <keys> = …`` for each row (``columns``: by default the
    rows' other names, every row with the same names; given, the rows may hold more), sent to
    the driver as text with each column's bind processor run here once per value:
    SQLAlchemy's executemany builds a parameter dict and calls a processor per value, which
    for the scan's first pass cost more than the UPDATE. The rows go as one joined UPDATE
    (SQLite: pages of ``UPDATE … FROM (VALUES …)``; PostgreSQL: one ``UPDATE … FROM
    unnest(…)``) when that writes what a row-by-row UPDATE writes (`_one_row_per_key`),
    otherwise as the driver's executemany."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}
    if dialect.paramstyle not in marks:  # pragma: no cover - sqlite3 and psycopg only
        raise RuntimeError(f"unsupported parameter style {dialect.paramstyle!r}")
    mark = marks[dialect.paramstyle]
    table = model.__table__
    if columns is None:
        columns = [name for name in rows[0] if name not in keys]
    names = (*columns, *keys)
    by_column = in_database_form(table, names, [[row[name] for row in rows] for name in names],
                                 dialect)
    connection = session.connection()
    if _one_row_per_key(by_column[len(columns):]):
        if dialect.name == "postgresql":
            update_unnest_columns(connection, table, columns, keys, by_column)
            return
        if dialect.name == "sqlite":
            _update_from_values(connection, table, columns, keys, by_column)
            return
    quote = dialect.identifier_preparer.quote
    # names are the model's own, quoted by the dialect; values travel as parameters only
    statement = (f"UPDATE {quote(table.name)} SET "  # noqa: S608
                 + ", ".join(f"{quote(name)} = {mark}" for name in columns)
                 + " WHERE " + " AND ".join(f"{quote(name)} = {mark}" for name in keys))
    connection.exec_driver_sql(statement, list(zip(*by_column, strict=True)))


#: rows per ``UPDATE … FROM (VALUES …)`` page on SQLite (measured: docs/scaling.md, round 9)
UPDATE_PAGE_ROWS = 2000


def _one_row_per_key(key_columns: Sequence[Sequence[Any]]) -> bool:
    """Whether one joined UPDATE writes what the row-by-row executemany writes: each key
    names at most one row. Two rows with one key: the join would apply either, the
    executemany the last. (A key also written is written with the value it matched, so
    one row's write never makes another row's key match.)"""
    return len(set(zip(*key_columns, strict=True))) == len(key_columns[0])


def _update_from_values(
    connection: Any, table: Any, columns: Sequence[str], keys: Sequence[str],
    by_column: Sequence[Sequence[Any]],
) -> None:
    """The rows (values of `columns` then of `keys`, in the database's form) as pages of
    ``UPDATE t SET c = v.columnI … FROM (VALUES (…), …) AS v WHERE t.k = v.columnJ …``
    (SQLite ≥ 3.33): one statement per page instead of one per row, each row's keys naming
    one row (`_one_row_per_key`); row triggers still fire once per updated row. Comparisons
    and stored values are as with bound parameters: a VALUES column of parameters has no
    affinity, as a parameter has none."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    width = len(columns) + len(keys)
    page = max(1, min(UPDATE_PAGE_ROWS, dialect.insertmanyvalues_max_parameters // width))
    name = quote(table.name)
    # names are the model's own, quoted by the dialect; values travel as parameters only
    head = (f"UPDATE {name} SET "  # noqa: S608
            + ", ".join(f"{quote(c)} = v.column{n}" for n, c in enumerate(columns, 1))
            + " FROM (VALUES ")
    tail = (") AS v WHERE " + " AND ".join(
        f"{name}.{quote(k)} = v.column{n}" for n, k in enumerate(keys, len(columns) + 1)))
    one = "(" + ", ".join("?" * width) + ")"
    rows = list(zip(*by_column, strict=True))
    for start in range(0, len(rows), page):
        chunk = rows[start:start + page]
        connection.exec_driver_sql(head + ", ".join([one] * len(chunk)) + tail,
                                   tuple(chain.from_iterable(chunk)))
