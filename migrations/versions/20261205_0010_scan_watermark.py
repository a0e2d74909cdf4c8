"""scan watermark: the scheduled scan's own record of where it goes on from

Until now the incremental scan read the scheduler's run log (job_run) to find the start of the
last successful scan and of the last full one. It now keeps them in `scan_watermark`, written in
the scan's own transaction. Nothing is copied over: the first scan after the upgrade is a full
one, as after a fresh install.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the app's UTCDateTime is a timezone-aware DateTime on both backends (app/db/types.py)
    op.create_table(
        "scan_watermark",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full_scan_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scan_watermark")),
    )


def downgrade() -> None:
    op.drop_table("scan_watermark")
