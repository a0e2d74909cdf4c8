"""push queue: push deliveries accepted and answered, their records processed moments later

Adds `push_queue` (app/models/push_queue.py): one row per accepted delivery whose raw records
wait for the background processor (app/ingest/push_queue.py). PostgreSQL keeps the raw ids and
the dossier codes as arrays; SQLite, which never queues (one embedded writer), gets the table
with JSON columns so that the schema is the same everywhere.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raw_ids", sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()),
                                                    "postgresql"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("agency_code", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("dossier_codes", sa.JSON().with_variant(postgresql.ARRAY(sa.String(64)),
                                                          "postgresql"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_queue")),
    )


def downgrade() -> None:
    op.drop_table("push_queue")
