"""work list index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:16:18.376059
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain index, not a batch operation: on SQLite a batch rebuild of `dossier` would drop the
    # rate-rollup triggers of revision 0002.
    op.create_index("ix_dossier_due_at_id", "dossier", ["due_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossier_due_at_id", table_name="dossier")
