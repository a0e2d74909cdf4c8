"""senders, their sessions, data-quality anomalies; dossier.result_by_post and snapshot_at

A registered sender (a one-door system pushing through /dvcqg) with hashed credentials and
sessions; ingest_run.sender_id ties a delivery to it. dossier_anomaly keeps what senders get
wrong about stored dossiers. dossier.result_by_post is HinhThuc; dossier.snapshot_at dates the
last applied snapshot by its own instants (backfilled from the instants already stored).

On a PostgreSQL database partitioned by migration 0004, dossier_anomaly's key points at
dossier_key(id), as every child of dossier does there. On SQLite, dossier only gains columns
(no rebuild: a batch rebuild would drop the rate-rollup triggers of 0002); ingest_run is
rebuilt to gain its foreign key.

Revision ID: 0005
Revises: 0009 (written as 0005 on 0004; re-pointed after 0006 and 0009 landed: one head)
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = {
    "postgresql": "UPDATE dossier SET snapshot_at = GREATEST(received_at, finished_at, "
                  "returned_at, newest_progress_at)",
    # SQLite's max() of several arguments is NULL as soon as one is: fall back to received_at.
    "sqlite": "UPDATE dossier SET snapshot_at = max(received_at, "
              "coalesce(finished_at, received_at), coalesce(returned_at, received_at), "
              "coalesce(newest_progress_at, received_at))",
}


def _is_partitioned(bind: sa.Connection, table: str) -> bool:
    # copied from app/db/partitions/catalog.py: migrations never import the live app
    found = bind.execute(
        sa.text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
        {"t": table},
    ).first()
    return found is not None


def _dossier_target() -> str:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _is_partitioned(bind, "dossier"):
        return "dossier_key"
    return "dossier"


def upgrade() -> None:
    op.create_table(
        "sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=64), nullable=False),
        sa.Column("url_key_hash", sa.String(length=64), nullable=False),
        sa.Column("url_key_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delivery_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"],
                                name=op.f("fk_sender_agency_id_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sender")),
        sa.UniqueConstraint("name", name=op.f("uq_sender_name")),
        sa.UniqueConstraint("username", name=op.f("uq_sender_username")),
        sa.UniqueConstraint("url_key_hash", name=op.f("uq_sender_url_key_hash")),
    )
    op.create_table(
        "sender_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sender_id"], ["sender.id"], ondelete="CASCADE",
                                name=op.f("fk_sender_session_sender_id_sender")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sender_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sender_session_token_hash")),
    )
    op.create_index(op.f("ix_sender_session_sender_id"), "sender_session", ["sender_id"])
    op.create_table(
        "dossier_anomaly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], [f"{_dossier_target()}.id"], ondelete="CASCADE",
                                name=op.f("fk_dossier_anomaly_dossier_id_dossier")),
        sa.ForeignKeyConstraint(["sender_id"], ["sender.id"], ondelete="SET NULL",
                                name=op.f("fk_dossier_anomaly_sender_id_sender")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_anomaly")),
        sa.UniqueConstraint("dossier_id", "code", "subject",
                            name=op.f("uq_dossier_anomaly_dossier_id_code_subject")),
    )
    op.create_index(op.f("ix_dossier_anomaly_dossier_id"), "dossier_anomaly", ["dossier_id"])
    op.create_index(op.f("ix_dossier_anomaly_code"), "dossier_anomaly", ["code"])
    op.create_index(op.f("ix_dossier_anomaly_sender_id"), "dossier_anomaly", ["sender_id"])
    op.add_column("dossier", sa.Column("result_by_post", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("dossier", sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("ingest_run") as batch:
        batch.add_column(sa.Column("sender_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_ingest_run_sender_id_sender"), "sender",
                                 ["sender_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_ingest_run_sender_id"), ["sender_id"])


def downgrade() -> None:
    with op.batch_alter_table("ingest_run") as batch:
        batch.drop_index(op.f("ix_ingest_run_sender_id"))
        batch.drop_constraint(op.f("fk_ingest_run_sender_id_sender"), type_="foreignkey")
        batch.drop_column("sender_id")
    op.drop_column("dossier", "snapshot_at")
    op.drop_column("dossier", "result_by_post")
    op.drop_table("dossier_anomaly")
    op.drop_index(op.f("ix_sender_session_sender_id"), table_name="sender_session")
    op.drop_table("sender_session")
    op.drop_table("sender")
