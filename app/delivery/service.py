"""Outbox rules: enqueue once per fact, claim, record each attempt, back off, give up.

Lifecycle of a message::

    pending --claim--> sending --sent--> sent            (never picked again)
       ^                  |--transient error--> pending  (next_attempt_at backs off)
       |                  |--permanent error or last attempt--> failed
       |                  '--lease expired (crash)--> webhook: pending (same Idempotency-Key)
       |                                              smtp:    failed (see below)
       '--------------------- requeue (operator) ------ failed

A crash between an SMTP send and its "sent" mark leaves the row `sending`. Mail has no
idempotency key a receiving server honours, so re-sending might deliver the apology twice; the
row is failed with a reason instead, and an operator requeues it after checking the mailbox.
Messages of a channel that is not configured stay `pending` (visible in `outbox_health`),
never "sent". Every function here only flushes; `worker.deliver_due` owns the commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.core.errors import Conflict, NotFound, ValidationFailed
from app.delivery import repository
from app.delivery.payloads import Channel, PayloadShape, checked_payload_json
from app.models.outbox import OutboxMessage

INTERRUPTED_SMTP = (
    "interrupted between sending and confirming; not re-sent automatically so the recipient "
    "does not get the email twice: check, then `tthc outbox requeue`"
)
INTERRUPTED_WEBHOOK = "interrupted during delivery; retrying with the same Idempotency-Key"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=6)
    # A claimed message not marked by then is considered interrupted (worker crashed).
    lease: timedelta = timedelta(minutes=30)

    def delay_after(self, attempts: int) -> timedelta:
        """Wait before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes."""
        return min(self.base_delay * (1 << max(0, attempts - 1)), self.max_delay)


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Message:
    """A message to queue: `key` names the fact, so queueing it twice changes nothing."""

    key: str
    kind: str
    channel: Channel
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ShapedMessage:
    """A message whose flat payload is `values` under a `PayloadShape`'s keys (checked once
    per shape, not per message): the scan's thousands of facts."""

    key: str
    kind: str
    shape: PayloadShape
    values: tuple[Any, ...]


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    channel: Channel,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue a message; False (and nothing changes) when `key` was enqueued before."""
    return enqueue_many(session, [Message(key, kind, channel, payload)], now) == 1


def enqueue_many(
    session: Session, messages: Sequence[Message | ShapedMessage], now: datetime
) -> int:
    """Queue messages with one statement (a scan raises thousands at once); returns how many
    were new. Every message is checked first, so a bad one queues none of them."""
    rows = []
    for message in messages:
        if not message.key or len(message.key) > 128:
            raise ValidationFailed("idempotency key must be 1-128 characters")
        if not message.kind or len(message.kind) > 32:
            raise ValidationFailed("kind must be 1-32 characters")
        if isinstance(message, ShapedMessage):
            channel, payload_json = message.shape.channel, message.shape.text(message.values)
        else:
            channel = message.channel
            payload_json = checked_payload_json(channel, message.payload)[1]
        rows.append(repository.NewMessage(
            message.key, message.kind, channel, payload_json, "pending", 0, now, now,
        ))
    return repository.insert_if_new(session, rows)


def claim_due(
    session: Session,
    *,
    now: datetime,
    channels: list[str],
    limit: int,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> list[OutboxMessage]:
    return repository.claim_due(
        session, now=now, channels=channels, limit=limit, lease_until=now + policy.lease
    )


def mark_sent(session: Session, message_id: int, *, now: datetime) -> bool:
    return repository.transition(
        session, message_id, from_status="sending",
        status="sent", sent_at=now, last_error=None,
    )


def mark_attempt_failed(
    session: Session,
    message_id: int,
    *,
    attempts: int,
    error: str,
    permanent: bool,
    now: datetime,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> str:
    """Record failed attempt number `attempts`; returns the new status, `pending` or `failed`."""
    if permanent or attempts >= policy.max_attempts:
        repository.transition(
            session, message_id, from_status="sending", status="failed", last_error=error[:4000]
        )
        return "failed"
    repository.transition(
        session, message_id, from_status="sending", status="pending", last_error=error[:4000],
        next_attempt_at=now + policy.delay_after(attempts),
    )
    return "pending"


def recover_expired(
    session: Session, *, now: datetime, policy: RetryPolicy = DEFAULT_POLICY
) -> dict[str, int]:
    """Settle messages whose worker died while sending (see the module docstring)."""
    requeued = repository.settle_expired(
        session, now=now, channel="webhook", to_status="pending",
        last_error=INTERRUPTED_WEBHOOK, below_attempts=policy.max_attempts,
    )
    failed = repository.settle_expired(
        session, now=now, channel="webhook", to_status="failed", last_error=INTERRUPTED_WEBHOOK
    )
    failed += repository.settle_expired(
        session, now=now, channel="smtp", to_status="failed", last_error=INTERRUPTED_SMTP
    )
    return {"requeued_interrupted": requeued, "failed_interrupted": failed}


def requeue(session: Session, message_id: int, *, now: datetime) -> OutboxMessage:
    """An operator sends a failed message again (attempts start over)."""
    moved = repository.transition(
        session, message_id, from_status="failed", status="pending", attempts=0,
        next_attempt_at=now,
    )
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id}")
    if not moved:
        raise Conflict(f"outbox message {message_id} is {message.status}; only failed ones requeue")
    return message


@dataclass(frozen=True)
class OutboxHealth:
    """For /readyz and operators: what waits, what failed, and how old the oldest wait is."""

    pending_by_channel: dict[str, int]
    failed_by_channel: dict[str, int]
    oldest_pending_age_seconds: float | None


def outbox_health(session: Session, *, now: datetime) -> OutboxHealth:
    counts = repository.status_counts(session)
    oldest = repository.oldest_pending(session)
    return OutboxHealth(
        pending_by_channel={ch: n for (ch, status), n in counts.items() if status == "pending"},
        failed_by_channel={ch: n for (ch, status), n in counts.items() if status == "failed"},
        oldest_pending_age_seconds=(now - oldest).total_seconds() if oldest else None,
    )
