"""All SQL of the webhook replay ledger (`webhook_delivery`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.bulk import insert_new_rows
from app.models import WebhookDelivery


def insert_unless_taken(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """INSERT … ON CONFLICT (digest) DO NOTHING: the digests of the rows inserted; a digest
    another copy of the delivery holds is skipped, not an error (no savepoint needed)."""
    found = insert_new_rows(session, WebhookDelivery, rows, ["digest"],
                            returning=[WebhookDelivery.digest])
    return {str(row[0]) for row in found}


def delivery_by_digest(session: Session, digest: str) -> WebhookDelivery | None:
    return session.scalar(select(WebhookDelivery).where(WebhookDelivery.digest == digest))


def delete_signed_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(delete(WebhookDelivery).where(WebhookDelivery.signed_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
