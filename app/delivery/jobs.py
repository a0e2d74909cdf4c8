"""Scheduled delivery of the notification outbox."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.delivery.senders import WEBHOOK_TIMEOUT_SECONDS, build_senders
from app.delivery.worker import deliver_due


def deliver_notifications(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
    with httpx.Client(timeout=WEBHOOK_TIMEOUT_SECONDS) as client:
        return deliver_due(session, now, build_senders(settings, http_client=client))


JOBS = [
    JobSpec(
        id="deliver_notifications",
        func=deliver_notifications,
        interval_setting="delivery_interval_seconds",
        description="Send due outbox messages by email and outgoing webhook.",
    ),
]
