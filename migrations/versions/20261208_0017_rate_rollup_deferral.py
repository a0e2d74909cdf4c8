"""rate rollup deferral: a bulk clock update counts its rows into the rollup once, grouped

Adds `rate_rollup_deferral`. While a transaction holds a row in it, the rollup's row-level
UPDATE trigger of migration 0002 does nothing for that transaction: the writer counts the rows
it updates out of the rollup before the UPDATE and back in after it, one grouped statement each
(`app.rates.rollups.service.counted_in_bulk`; the scan's first pass updates every open dossier,
and the trigger's three upserts per row were most of its UPDATE). Only the writer's own
transaction sees its uncommitted row, so every other write keeps the trigger.

The trigger keeps the signature SQL 0002 wrote: its stored definition is read back and only the
guard is added (SQLite: to the trigger's WHEN; PostgreSQL, whose WHEN takes no subquery: as the
first statement of its function), so the rollup's rule stays written once in SQL.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFERRED = "EXISTS (SELECT 1 FROM rate_rollup_deferral)"
SQLITE_WHEN = (" WHEN ", " WHEN (")  # the column test first: unchanged rows stop there
SQLITE_GUARD = (" BEGIN ", f") AND NOT {DEFERRED} BEGIN ")
PG_GUARD = f"BEGIN IF {DEFERRED} THEN RETURN NULL; END IF; "


def _sqlite_trigger(bind: sa.Connection) -> str:
    sql = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name = 'trg_rate_rollup_update'")).scalar_one()
    return str(sql)


def _pg_function(bind: sa.Connection) -> str:
    sql = bind.execute(sa.text(
        "SELECT pg_get_functiondef('rate_rollup_on_update'::regproc)")).scalar_one()
    return str(sql)


def _replace_once(sql: str, old: str, new: str) -> str:
    if sql.count(old) < 1:
        raise RuntimeError(f"rate rollup trigger not as migration 0002 left it: {sql[:200]}")
    return sql.replace(old, new, 1)


def _sqlite_recreate(sql: str, *, guarded: bool) -> None:
    """The trigger again, its WHEN guarded or as 0002 wrote it (the first " WHEN " and
    " BEGIN " are the trigger's own: its body follows them)."""
    for old, new in (SQLITE_WHEN, SQLITE_GUARD):
        sql = _replace_once(sql, old, new) if guarded else _replace_once(sql, new, old)
    op.execute("DROP TRIGGER trg_rate_rollup_update")
    op.execute(sql)


def upgrade() -> None:
    op.create_table(
        "rate_rollup_deferral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_rollup_deferral")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_replace_once(_pg_function(bind), "BEGIN ", PG_GUARD))
    else:
        _sqlite_recreate(_sqlite_trigger(bind), guarded=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_replace_once(_pg_function(bind), PG_GUARD, "BEGIN "))
    else:
        _sqlite_recreate(_sqlite_trigger(bind), guarded=False)
    op.drop_table("rate_rollup_deferral")
