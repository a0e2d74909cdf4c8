"""notice signers and register symbols: who signs an agency's notices, and "01/PXL-UBND"

Each agency gets the person who signs its apology notices (name and title, e.g.
"KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC") and the abbreviation of its register symbol; each notice keeps
the symbol it was numbered under, so renaming an agency never renumbers its past notices.
Notices drafted before this revision have no symbol and print as "01/PXL".

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDED = (
    ("agency", "notice_symbol", 32),
    ("agency", "signer_name", 255),
    ("agency", "signer_title", 255),
    ("notice", "symbol", 48),
)


def upgrade() -> None:
    for table, column, length in ADDED:
        op.add_column(table, sa.Column(column, sa.String(length), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of
    # `agency` on SQLite would drop and re-create a table that dossiers reference.
    for table, column, _ in reversed(ADDED):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
