"""processing time readings: the phrase each reading came from, exceptions, listed-back readings

Adds to `procedure` what the processing-time reader (issue 13) keeps beside a reading: the phrase
of the catalogue text the time and the cut-off were read from, the named exceptions as written,
the candidate readings of a text listed back, and the national export's "Cơ quan thực hiện" and
"Mức độ". Existing rows keep their reading; a re-import fills the new columns.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("processing_time_phrase", sa.Text()),
    ("processing_time_exceptions", sa.JSON()),
    ("processing_time_readings", sa.JSON()),
    ("cutoff_phrase", sa.Text()),
    ("implementing_agency", sa.Text()),
    ("service_level", sa.String(length=255)),
)


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN: a batch rebuild of `procedure` on SQLite is not needed for
    # nullable columns and would touch the table every dossier points at
    for name, type_ in _COLUMNS:
        op.add_column("procedure", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(_COLUMNS):
        op.drop_column("procedure", name)
