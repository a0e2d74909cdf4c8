"""All SQL of the webhook replay ledger (`webhook_delivery`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import WebhookDelivery


def add_delivery(session: Session, row: WebhookDelivery) -> WebhookDelivery:
    session.add(row)
    session.flush()
    return row


def delivery_by_digest(session: Session, digest: str) -> WebhookDelivery | None:
    return session.scalar(select(WebhookDelivery).where(WebhookDelivery.digest == digest))


def delete_signed_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(WebhookDelivery).where(WebhookDelivery.signed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
