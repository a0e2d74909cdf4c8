"""reference version: a number every write to the deadline context's tables changes

Adds `reference_version` (one row) and, on PostgreSQL, the sequence its number is drawn from and
a statement trigger on `calendar_override` and `agency_office_hours` (INSERT, UPDATE, DELETE,
TRUNCATE) that draws a new number in the writing transaction. A server process keeps the
deadline context it last read with the number it read before (app/deadlines/store/
context_cache.py) and reads the tables again only when the number changed. A sequence, not
`version + 1`: a rolled-back write's number is never handed out again, so a context read inside
that transaction can never be taken for a committed state's. SQLite gets the row only: its
writers do not cache.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("calendar_override", "agency_office_hours")


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
    )
    if op.get_bind().dialect.name != "postgresql":
        op.execute("INSERT INTO reference_version (id, version) VALUES (1, 1)")
        return
    op.execute("CREATE SEQUENCE reference_version_seq")
    op.execute("INSERT INTO reference_version (id, version) "
               "VALUES (1, nextval('reference_version_seq'))")
    op.execute("""
        CREATE FUNCTION reference_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE reference_version SET version = nextval('reference_version_seq') WHERE id = 1;
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER trg_{table}_reference_version "
                   f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER trg_{table}_reference_version ON {table}")
        op.execute("DROP FUNCTION reference_version_bump()")
        op.execute("DROP SEQUENCE reference_version_seq")
    op.drop_table("reference_version")
