"""security round 2: server-side dashboard sessions, webhook replay ledger, quarantine and
ingest-run owners

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04 23:49:32.318429

Quarantine entries get the agency their raw record names (DonViXuLy, and the envelope's madonvi
for webhook deliveries) so that supervisors see the entries of their subtree; existing entries
are filled from their kept raw records. Webhook ingest runs get their sender's code (filled
from the run's detail "<service> từ <madonvi>") so that a supervisor sees only those.
"""

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# what app/ingest/webhook.py wrote as a raw record's origin and a run's detail before this
_WEBHOOK_ORIGIN = re.compile(r"^webhook (?:DongBoHoSoMC|CapNhatTienDoHoSoMC) (.+) item \d+$")
_WEBHOOK_DETAIL = re.compile(r"^(?:DongBoHoSoMC|CapNhatTienDoHoSoMC) từ (.+)$")


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value).strip()
    return text if text and len(text) <= limit else None


def _backfill_quarantine_owners() -> None:
    quarantine = sa.table("quarantine", sa.column("id", sa.Integer),
                          sa.column("raw_record_id", sa.Integer),
                          sa.column("named_agency", sa.String),
                          sa.column("sender_agency", sa.String))
    raw = sa.table("raw_record", sa.column("id", sa.Integer), sa.column("payload", sa.Text),
                   sa.column("origin", sa.Text))
    conn = op.get_bind()
    rows = conn.execute(sa.select(quarantine.c.id, raw.c.payload, raw.c.origin).join(
        raw, raw.c.id == quarantine.c.raw_record_id)).all()
    updates = []
    for entry_id, payload, origin in rows:
        try:
            decoded = json.loads(payload)
        except ValueError:
            decoded = None
        named = _text(decoded.get("DonViXuLy"), 255) if isinstance(decoded, dict) else None
        found = _WEBHOOK_ORIGIN.match(origin or "")
        sender = _text(found.group(1), 64) if found else None
        if named or sender:
            updates.append({"entry_id": entry_id, "named": named, "sender": sender})
    if updates:
        conn.execute(
            quarantine.update().where(quarantine.c.id == sa.bindparam("entry_id")).values(
                named_agency=sa.bindparam("named"), sender_agency=sa.bindparam("sender")),
            updates,
        )


def _backfill_webhook_run_senders() -> None:
    runs = sa.table("ingest_run", sa.column("id", sa.Integer), sa.column("source", sa.String),
                    sa.column("detail", sa.Text), sa.column("agency_code", sa.String))
    conn = op.get_bind()
    updates = []
    for run_id, detail in conn.execute(
        sa.select(runs.c.id, runs.c.detail).where(runs.c.source == "webhook")
    ):
        found = _WEBHOOK_DETAIL.match(detail or "")
        code = _text(found.group(1), 64) if found else None
        if code:
            updates.append({"run_id": run_id, "code": code})
    if updates:
        conn.execute(runs.update().where(runs.c.id == sa.bindparam("run_id")).values(
            agency_code=sa.bindparam("code")), updates)


def upgrade() -> None:
    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('digest', name=op.f('uq_webhook_delivery_digest'))
    )
    op.create_index(op.f('ix_webhook_delivery_signed_at'), 'webhook_delivery',
                    ['signed_at'], unique=False)

    op.create_table('dashboard_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'],
                            name=op.f('fk_dashboard_session_token_id_api_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_session')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_dashboard_session_secret_hash'))
    )
    op.create_index(op.f('ix_dashboard_session_expires_at'), 'dashboard_session',
                    ['expires_at'], unique=False)
    op.create_index(op.f('ix_dashboard_session_token_id'), 'dashboard_session', ['token_id'],
                    unique=False)

    # Plain ADD COLUMN (no batch rebuild): both backends support it for nullable columns.
    op.add_column('quarantine', sa.Column('named_agency', sa.String(length=255), nullable=True))
    op.add_column('quarantine', sa.Column('sender_agency', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_quarantine_named_agency'), 'quarantine', ['named_agency'],
                    unique=False)
    op.create_index(op.f('ix_quarantine_sender_agency'), 'quarantine', ['sender_agency'],
                    unique=False)
    _backfill_quarantine_owners()

    op.add_column('ingest_run', sa.Column('agency_code', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_ingest_run_agency_code'), 'ingest_run', ['agency_code'],
                    unique=False)
    _backfill_webhook_run_senders()


def downgrade() -> None:
    op.drop_index(op.f('ix_ingest_run_agency_code'), table_name='ingest_run')
    with op.batch_alter_table('ingest_run', schema=None) as batch_op:
        batch_op.drop_column('agency_code')
    op.drop_index(op.f('ix_quarantine_sender_agency'), table_name='quarantine')
    op.drop_index(op.f('ix_quarantine_named_agency'), table_name='quarantine')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_column('sender_agency')
        batch_op.drop_column('named_agency')

    op.drop_index(op.f('ix_dashboard_session_token_id'), table_name='dashboard_session')
    op.drop_index(op.f('ix_dashboard_session_expires_at'), table_name='dashboard_session')
    op.drop_table('dashboard_session')
    op.drop_index(op.f('ix_webhook_delivery_signed_at'), table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
