"""steps: internal processes per catalogue and province, open step states, responsible agency

Adds `procedure_process` (issue 16, DEADLINES.md §8): the ordered steps of a procedure with the
units that perform them and their allotted working hours; agency_id NULL is the catalogue's, a
row with an agency is that province's (or agency's) own approved process. The progress records'
step fields (PhongBanXuLy, NgayBatDau, NgayKetThucTheoQuyDinh) were already stored on
`dossier_event` (department, step_started_at, step_due_at). Adds `dossier_step_state` (the open
step the last scan found: who holds the dossier, its due) and, on `notice`, the responsible
agency of an inter-agency delay and the one-stop agency that forwards its apology.

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTICE_COLUMNS = ("responsible_agency", "forwarding_agency")


def _dossier_target() -> str:
    """On a PostgreSQL database partitioned by 0004, children of dossier point at dossier_key."""
    # the catalog asked directly: a migration imports no app code, which may change after it
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return "dossier"
    partitioned = bind.execute(sa.text(
        "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('dossier')")).first()
    return "dossier_key" if partitioned is not None else "dossier"


def upgrade() -> None:
    op.create_table(
        "procedure_process",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"],
                                name=op.f("fk_procedure_process_agency_id_agency"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedure.id"],
                                name=op.f("fk_procedure_process_procedure_id_procedure"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_process")),
        sa.UniqueConstraint("procedure_id", "agency_id",
                            name=op.f("uq_procedure_process_procedure_id_agency_id")),
    )
    op.create_index(op.f("ix_procedure_process_procedure_id"), "procedure_process",
                    ["procedure_id"], unique=False)


    op.create_table(
        "dossier_step_state",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=255), nullable=False),
        sa.Column("agency", sa.String(length=255), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], [f"{_dossier_target()}.id"],
                                name=op.f("fk_dossier_step_state_dossier_id_dossier"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_step_state")),
    )
    op.create_index("ix_dossier_step_state_due_at", "dossier_step_state", ["due_at"])
    for name in _NOTICE_COLUMNS:
        op.add_column("notice", sa.Column(name, sa.String(length=255), nullable=True))


def downgrade() -> None:
    for name in reversed(_NOTICE_COLUMNS):
        op.drop_column("notice", name)
    op.drop_index("ix_dossier_step_state_due_at", table_name="dossier_step_state")
    op.drop_table("dossier_step_state")
    op.drop_index(op.f("ix_procedure_process_procedure_id"), table_name="procedure_process")
    op.drop_table("procedure_process")
