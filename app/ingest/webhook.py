"""Push deliveries in the national-portal envelope, signed with ``X-TTHC-Signature``.

Every refusal happens before anything is written: a delivery with a missing, wrong or stale
signature, a malformed envelope or an oversized body leaves no trace, not even a raw record. A
delivery taken before (the same body with the same signature, replayed within the signature
window) is refused with 409 and adds nothing: the replay ledger is written last and its
conflict rolls the delivery's writes back (`app/ingest/replay.py`).
Replies keep the portal's shape (``error_code`` 0 on success, non-zero with a ``message`` on
failure) besides our own ``error`` / ``reason``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.core.clock import to_local
from app.core.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
)
from app.ingest import replay
from app.ingest.receptions import Sender, record_receptions
from app.ingest.replies import delivery_reply
from app.ingest.schemas import WebhookReply
from app.ingest.service import Delivered, IngestCounts, ingest_records
from app.models import WebhookDelivery
from connectors import EnvelopeInvalid, SignatureInvalid, parse_envelope
from connectors.portal.fields import printable
from connectors.portal.signing import verify

WEBHOOK_SOURCE: Final = "webhook"
WEBHOOK_ENDPOINT: Final = "/api/v1/webhooks/dvc"
CONCURRENT_ATTEMPTS: Final = 3
# deadlock_detected, serialization_failure: the transaction lost a race it can run again
RETRIED_SQLSTATES: Final = frozenset({"40P01", "40001"})
T = TypeVar("T")


class _PortalShaped(AppError):
    """Adds the portal's ``error_code`` / ``message`` to our error body."""

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error_code"] = self.status_code
        body["message"] = self.reason
        return body


class WebhookUnauthorized(_PortalShaped, Unauthorized):
    pass


class EnvelopeRefused(_PortalShaped, BadRequest):
    pass


class WebhookTooLarge(_PortalShaped, PayloadTooLarge):
    pass


class WebhooksDisabled(_PortalShaped, NotFound):
    pass


class WebhookNotConfigured(_PortalShaped, ServiceUnavailable):
    pass


class WebhookReplayed(_PortalShaped, Conflict):
    pass


class WebhookRateLimited(_PortalShaped, TooManyRequests):
    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        super().__init__(reason, retry_after_seconds=retry_after_seconds)
        self.headers = {"Retry-After": str(retry_after_seconds)}


class WebhookBusy(_PortalShaped, ServiceUnavailable):
    def __init__(self, reason: str, retry_after_seconds: int) -> None:
        super().__init__(reason, retry_after_seconds=retry_after_seconds)
        self.headers = {"Retry-After": str(retry_after_seconds)}


def too_large(limit: int) -> WebhookTooLarge:
    return WebhookTooLarge(f"body larger than {limit} bytes", max_bytes=limit)


def ingest_merging_concurrent(session: Session, ingest: Callable[[], T]) -> T:
    """Run ``ingest`` in a savepoint, again if a concurrent delivery won an insert race.

    Two deliveries naming a new agency, procedure or dossier both read "absent" and both
    insert; the loser's unique violation is raised only once the winner has committed
    (PostgreSQL waits for it), so reading again finds the winner's rows and merges into them.
    A deadlock (the rate rollup's rows, locked by a concurrent scan in another order: 3 of
    18,000 deliveries in the soak of issue 20) is retried the same way: rolling back to the
    savepoint releases this delivery's locks and lets the other transaction finish.
    """
    for attempt in range(1, CONCURRENT_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return ingest()
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and (
                getattr(exc.orig, "sqlstate", None) not in RETRIED_SQLSTATES
            ):
                raise
            if attempt == CONCURRENT_ATTEMPTS:
                break
            time.sleep(random.uniform(0.02, 0.2) * attempt)  # noqa: S311 - jitter, not a secret
    raise WebhookBusy("concurrent deliveries of the same records kept colliding; send again",
                      retry_after_seconds=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """A push delivery accepted so far (authenticated, envelope read; nothing written): its
    records, the sender its row of the minute counts it for, its replay-ledger entry (signed
    webhooks), what else it marks once stored (`after`) and its reply."""

    delivered: Delivered
    sender: Sender
    reply: Callable[[IngestCounts, int], dict[str, Any]]
    ledger: replay.Ledger | None = None
    after: Callable[[datetime], None] | None = None


def run_plan(session: Session, plan: Plan | dict[str, Any], now: datetime) -> dict[str, Any]:
    """One delivery on its own: ingest its records, then complete it (a lookup's answer is
    already a reply). Deliveries grouped by app/ingest/group_commit.py share both steps."""
    if not isinstance(plan, Plan):
        return plan
    delivered = plan.delivered
    counts = ingest_merging_concurrent(session, lambda: ingest_records(
        session, delivered.source, delivered.records, now, sender_id=delivered.sender_id))
    return complete(session, [plan], [counts], now)[0]


def complete(
    session: Session, plans: Sequence[Plan], counts: Sequence[IngestCounts], now: datetime
) -> list[dict[str, Any]]:
    """The deliveries' rows of the minute, then their replay-ledger entries (last, with the
    run ids: a copy taken before is refused with 409 and the rollback takes back everything
    above, app/ingest/replay.py), then their replies; a few statements for any number."""
    run_ids = record_receptions(
        session, [(p.delivered.source, p.sender, c) for p, c in zip(plans, counts, strict=True)],
        now)
    ledger = [(p.ledger, run_id) for p, run_id in zip(plans, run_ids, strict=True) if p.ledger]
    copies = replay.claim_all(session, ledger, now) if ledger else {}
    for entry, _ in ledger:
        first = copies.get(entry.digest)
        if first is not None:
            raise replayed(first)
    for plan in plans:
        if plan.after is not None:
            plan.after(now)
    return [p.reply(c, run_id) for p, c, run_id in zip(plans, counts, run_ids, strict=True)]


def replayed(first: WebhookDelivery) -> WebhookReplayed:
    """The 409 of a copy of a delivery taken before (``first``: its ledger row)."""
    return WebhookReplayed(
        f"this delivery (same body, same signature) was already received at "
        f"{to_local(first.received_at):%H:%M:%S %d/%m/%Y}; nothing was stored again. "
        "A new delivery needs a new signature.",
        first_received_at=first.received_at.isoformat(), run_id=first.run_id,
    )


def _webhook_reply(counts: IngestCounts, run_id: int) -> dict[str, Any]:
    return WebhookReply.model_validate(delivery_reply(counts, run_id)).as_dict()


def plan_delivery(
    body: bytes,
    signature: str | None,
    *,
    secret: str,
    max_age_seconds: int,
    now: datetime,
    endpoint: str = WEBHOOK_ENDPOINT,
) -> Plan:
    """Verify and parse one signed delivery (no database); raises a portal-shaped AppError on
    refusal."""
    if not secret:
        raise WebhookNotConfigured(
            "webhooks are enabled but TTHC_WEBHOOK_SECRET is empty; deliveries are refused"
        )
    try:
        signed_at = verify(secret, body, signature, now, max_age=max_age_seconds)
    except SignatureInvalid as exc:
        raise WebhookUnauthorized(exc.reason) from None
    try:
        envelope = parse_envelope(body)
    except EnvelopeInvalid as exc:
        raise EnvelopeRefused(exc.reason) from None
    origin = f"webhook {envelope.service} {envelope.agency_code}"
    records = list(envelope.records(origin=origin))
    return Plan(
        Delivered(WEBHOOK_SOURCE, None, records),
        Sender(detail=f"{envelope.service} từ {envelope.agency_code}",
               agency_code=printable(envelope.agency_code)[:64]),
        _webhook_reply,
        replay.Ledger(replay.delivery_digest(secret, body, signed_at), endpoint, signed_at),
    )
