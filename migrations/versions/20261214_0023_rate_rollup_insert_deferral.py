"""rate rollup deferral for inserts (SQLite): a bulk insert counts its dossiers in once, grouped

While a transaction holds a row in `rate_rollup_deferral` (migration 0017), SQLite's row-level
INSERT trigger of migration 0002 now does nothing for that transaction either: a file import
inserts a page's new dossiers under a deferral and counts them into the rollup with one grouped
upsert (`app.rates.rollups.service.inserts_counted_in_bulk`); the trigger's upsert per row was
a third of SQLite's time inserting them (docs/scaling.md, ingest.sqlite, fifth pass). Only the
writer's own transaction sees its uncommitted row, so every other insert keeps the trigger.
PostgreSQL's INSERT trigger runs once per statement over its transition table already and is
left as it is.

As in 0017, the trigger's stored definition is read back and only the guard is added.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-14 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNGUARDED = "AFTER INSERT ON dossier BEGIN "
GUARDED = ("AFTER INSERT ON dossier WHEN NOT EXISTS (SELECT 1 FROM rate_rollup_deferral) "
           "BEGIN ")


def _recreate(old: str, new: str) -> None:
    bind = op.get_bind()
    sql = str(bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name = 'trg_rate_rollup_insert'")).scalar_one())
    if sql.count(old) != 1:
        raise RuntimeError(f"rate rollup insert trigger not as expected: {sql[:200]}")
    op.execute("DROP TRIGGER trg_rate_rollup_insert")
    op.execute(sql.replace(old, new, 1))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(UNGUARDED, GUARDED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(GUARDED, UNGUARDED)
