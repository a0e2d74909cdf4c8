"""Notification delivery: an outbox of messages, sent by SMTP or outgoing webhook.

Enqueue in the same transaction as the fact it announces (`enqueue`, idempotent by key); the
`deliver_notifications` job sends them (`deliver_due`) with retries, backoff and no duplicate.
"""

from app.delivery.payloads import Channel
from app.delivery.senders import (
    DeliveryError,
    OutgoingMessage,
    Sender,
    SmtpSender,
    WebhookSender,
    build_senders,
)
from app.delivery.service import (
    OutboxHealth,
    RetryPolicy,
    enqueue,
    outbox_health,
    requeue,
)
from app.delivery.worker import deliver_due

__all__ = [
    "Channel",
    "DeliveryError",
    "OutboxHealth",
    "OutgoingMessage",
    "RetryPolicy",
    "Sender",
    "SmtpSender",
    "WebhookSender",
    "build_senders",
    "deliver_due",
    "enqueue",
    "outbox_health",
    "requeue",
]
