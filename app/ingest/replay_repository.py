"""All SQL of the webhook replay ledger (`webhook_delivery`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.bulk import insert_new_rows
from app.models import WebhookDelivery


def insert_unless_taken(session: Session, row: WebhookDelivery) -> int | None:
    """INSERT … ON CONFLICT (digest) DO NOTHING: the new row's id, or None when another copy of
    the delivery holds the digest (no savepoint needed: a conflict is not an error)."""
    values = {c: getattr(row, c) for c in ("digest", "endpoint", "signed_at", "received_at",
                                            "run_id")}
    found = insert_new_rows(session, WebhookDelivery, [values], ["digest"],
                            returning=[WebhookDelivery.id])
    return int(found[0][0]) if found else None


def delivery_by_digest(session: Session, digest: str) -> WebhookDelivery | None:
    return session.scalar(select(WebhookDelivery).where(WebhookDelivery.digest == digest))


def delete_signed_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(WebhookDelivery).where(WebhookDelivery.signed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
