"""notice signers and register symbols: who signs an agency's notices, and "01/PXL-UBND"

`agency_signer` holds, per agency, the person who signs its apology notices (name and title,
e.g. "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC") and the abbreviation of its register symbol; each notice
keeps the symbol it was numbered under (`notice.symbol`), so renaming an agency never
renumbers its past notices. Notices drafted before this revision have no symbol and print as
"01/PXL".

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_signer",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("notice_symbol", sa.String(length=32), nullable=True),
        sa.Column("signer_name", sa.String(length=255), nullable=True),
        sa.Column("signer_title", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_agency_signer_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_agency_signer")),
    )
    op.add_column("notice", sa.Column("symbol", sa.String(length=48), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of
    # `notice` on SQLite would drop and re-create a table that other tables reference.
    op.execute("ALTER TABLE notice DROP COLUMN symbol")
    op.drop_table("agency_signer")
