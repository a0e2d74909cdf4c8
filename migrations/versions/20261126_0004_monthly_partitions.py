"""monthly partitions: dossier by received_at, dossier_event by at (PostgreSQL only)

On PostgreSQL both tables become RANGE partitioned by local month, with a DEFAULT partition;
the uniqueness of dossier.code and the foreign keys that pointed at dossier.id move to the small
dossier_key table. The conversion is app.db.partitioning, the code `tthc db partition` runs (see
docs/scaling.md): a table already partitioned by that command only gets its missing months. On
SQLite, which has no partitions, nothing changes. The downgrade copies the rows back into plain
tables with their original keys and foreign keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from app.core.clock import utcnow
from app.db import partitioning

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        partitioning.partition_tables(bind, utcnow(), partitioning.DEFAULT_MONTHS_AHEAD)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        partitioning.unpartition_tables(bind)
