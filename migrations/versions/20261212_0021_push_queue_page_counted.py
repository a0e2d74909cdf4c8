"""push queue: whether a queued delivery's page was counted when it was accepted

Until this revision the accept statement counted a push delivery in its row of the minute
(`ingest_run.pages`) at once, and the processor added only its records' counts. Now the
accept only reads that row and the processor counts the page, when it processes the delivery
(docs/scaling.md, the receiver, round 10). A delivery still queued from before, or accepted by
a replica still running the earlier code during a rolling update, was counted already: its row
keeps ``page_counted`` true (the default, which the earlier code never sets), and the processor
counts a page only for the rows the new accept writes with false. The other direction (a
delivery accepted by new code and processed by an earlier replica) cannot be told apart by the
earlier code: upgrade every API replica together, or let the queue drain first (README).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("push_queue", sa.Column("page_counted", sa.Boolean(), nullable=False,
                                          server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("push_queue", "page_counted")
