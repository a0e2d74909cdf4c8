"""push queue: a GIN index on the dossier codes a queued delivery stores

The accept statement of a progress step checks that its dossier is stored or waiting in the
queue. Without an index that check read every queued row: ~100–200 rows while the processor
keeps up (a sixth of the step's accept statement, measured), the whole backlog after an
outage, when the senders resend everything at once. ``fastupdate`` is off: the queue's rows live
for a fraction of a second, and a pending list would be read, row by row, by every look-up
until a vacuum merged it.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-13 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # the queue is PostgreSQL's only (app/ingest/push_queue.py)
    op.create_index("ix_push_queue_dossier_codes", "push_queue", ["dossier_codes"],
                    postgresql_using="gin", postgresql_with={"fastupdate": "off"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_push_queue_dossier_codes", table_name="push_queue")
