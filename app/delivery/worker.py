"""`deliver_due`: the delivery loop, and the one place in this package that commits.

A send is a side effect no rollback can undo, so the order of commits is the design:

1. settle messages whose worker died mid-send (`service.recover_expired`), commit;
2. claim due messages of configured channels (`sending`, attempts + 1), commit — from now on
   no other worker or later run picks them, even if this process dies;
3. for each message: send, then mark `sent` (or record the failed attempt), commit.

A crash after a send and before its mark leaves the row `sending`; it is never sent again
automatically except by webhook, whose receiver drops the retry by its Idempotency-Key.
It is called with the session of the delivery job's `session_scope()` (jobs own commits).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.delivery import repository, service
from app.delivery.payloads import CHANNELS
from app.delivery.senders import DeliveryError, OutgoingMessage, Sender
from app.delivery.service import DEFAULT_POLICY, RetryPolicy

logger = logging.getLogger(__name__)

_NOT_CONFIGURED_HINT = {
    "smtp": "set TTHC_SMTP_HOST",
    "webhook": "set TTHC_OUTGOING_WEBHOOK_URL",
}


def deliver_due(
    session: Session,
    now: datetime,
    senders: Mapping[str, Sender],
    *,
    batch_size: int = 50,
    max_messages: int = 500,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> dict[str, int]:
    """Send due messages through `senders` (channel -> sender); returns counts."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    counts.update(service.recover_expired(session, now=now, policy=policy))
    session.commit()

    unconfigured = sorted(CHANNELS - set(senders))
    waiting = repository.count_due(session, now=now, channels=unconfigured)
    for channel, number in sorted(waiting.items()):
        logger.warning(
            "%d %s messages are due but %s is not configured (%s); they stay pending",
            number, channel, channel, _NOT_CONFIGURED_HINT.get(channel, "configure it"),
            extra={"channel": channel, "waiting": number},
        )
    counts["waiting_unconfigured"] = sum(waiting.values())
    session.commit()  # end the read: on SQLite the claim below must start as a writer

    handled = 0
    while handled < max_messages and senders:
        claimed = service.claim_due(
            session, now=now, channels=sorted(senders),
            limit=min(batch_size, max_messages - handled), policy=policy,
        )
        batch = [
            OutgoingMessage(
                id=row.id, key=row.idempotency_key, kind=row.kind, channel=row.channel,
                payload=dict(row.payload), attempt=row.attempts,
            )
            for row in claimed
        ]
        session.commit()
        if not batch:
            break
        for message in batch:
            outcome = _deliver_one(session, message, senders[message.channel], now, policy)
            counts[outcome] += 1
            session.commit()
        handled += len(batch)
    return counts


def _deliver_one(
    session: Session,
    message: OutgoingMessage,
    sender: Sender,
    now: datetime,
    policy: RetryPolicy,
) -> str:
    log_extra = {"outbox_id": message.id, "channel": message.channel, "kind": message.kind}
    try:
        sender.send(message)
    except DeliveryError as exc:
        error, permanent = exc.reason, exc.permanent
    except Exception as exc:  # a sender bug must cost one attempt, not stall the row
        error, permanent = f"{type(exc).__name__}: {exc}", False
    else:
        service.mark_sent(session, message.id, now=now)
        logger.info("outbox message %d sent", message.id, extra=log_extra)
        return "sent"
    status = service.mark_attempt_failed(
        session, message.id, attempts=message.attempt, error=error, permanent=permanent,
        now=now, policy=policy,
    )
    logger.warning(
        "outbox message %d attempt %d failed (%s)%s",
        message.id, message.attempt, "permanent" if permanent else "transient",
        "; giving up" if status == "failed" else "; will retry",
        extra=log_extra,
    )
    return "failed" if status == "failed" else "retrying"
