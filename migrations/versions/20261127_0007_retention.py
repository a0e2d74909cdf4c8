"""retention: push receptions summarised per sender and minute, archived raw payloads

ingest_run.summary_key (unique) keys the one row that sums a sender's push deliveries of one
minute (or one local day, once retention folds old minutes); raw_record.archived_in names the
compressed archive file a long-finished dossier's payload was moved to, and a partial index
lists the payloads still in the database in id order, the order retention walks them in.
Columns and indexes only: on SQLite no table is rebuilt (the rollup triggers of 0002 stay), on
PostgreSQL nothing is rewritten (nullable columns without a default).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNARCHIVED = "archived_in IS NULL"


def upgrade() -> None:
    op.add_column("ingest_run", sa.Column("summary_key", sa.String(length=200), nullable=True))
    op.create_index("uq_ingest_run_summary_key", "ingest_run", ["summary_key"], unique=True)
    op.add_column("raw_record", sa.Column("archived_in", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_raw_record_unarchived", "raw_record", ["id"], unique=False,
        sqlite_where=sa.text(UNARCHIVED), postgresql_where=sa.text(UNARCHIVED),
    )


def downgrade() -> None:
    # Below 0007 no column says where an archived payload went: refuse rather than lose track.
    archived = op.get_bind().execute(
        sa.text("SELECT count(*) FROM raw_record WHERE archived_in IS NOT NULL")
    ).scalar_one()
    if archived:
        raise RuntimeError(
            f"{archived} raw payloads are in archive files; bring them back first with "
            "`tthc retention restore FILE --apply` for each file, then downgrade"
        )
    op.drop_index("ix_raw_record_unarchived", table_name="raw_record")
    op.drop_index("uq_ingest_run_summary_key", table_name="ingest_run")
    # ALTER TABLE … DROP COLUMN on both (SQLite 3.35+): a batch rebuild would drop raw_record,
    # which the foreign keys of dossier and quarantine forbid.
    for table, column in (("raw_record", "archived_in"), ("ingest_run", "summary_key")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
