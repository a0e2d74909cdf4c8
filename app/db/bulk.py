"""One bulk insert that skips rows colliding with a unique key, for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


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
