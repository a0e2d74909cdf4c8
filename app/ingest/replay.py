"""Replayed webhook deliveries: the same signed delivery is taken once.

A signature is valid for `webhook_max_age_seconds` either side of its timestamp, so within that
window a captured delivery could be sent again. Each accepted delivery leaves a row keyed by a
digest of its timestamp and the MAC that matched (the body's fingerprint under our secret): the
same delivery sent again, to any replica, finds the row and is refused with 409, and nothing it
wrote is kept. The row is inserted last, in the request's own transaction, with the delivery's
`run_id` (a single-record delivery thus pays one statement for the ledger, not a savepoint, an
insert and an update); a delivery that fails (and rolls back) can be retried with the same
signature; two copies arriving at once are ordered by the unique index (on PostgreSQL the
second waits for the first to commit, then finds its row, and its own writes roll back). Rows
older than the window are deleted by the `purge_webhook_deliveries` job: such a signature is
refused as stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.ingest import replay_repository as repo
from app.models import WebhookDelivery
from connectors.portal.signing import compute_mac


def delivery_digest(secret: str, body: bytes, signed_at: int) -> str:
    """The same for every copy of one signed delivery, however its header is decorated."""
    mac = compute_mac(secret, body, signed_at)
    return hashlib.sha256(f"{signed_at}.{mac}".encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the ledger keeps of one signed delivery."""

    digest: str
    endpoint: str
    signed_at: int


def claim_all(
    session: Session, entries: Sequence[tuple[Ledger, int | None]], now: datetime
) -> dict[str, WebhookDelivery]:
    """Record each delivery (with its run id) in one statement; returns, by digest, the first
    copy's row of each delivery taken before (the same digest twice here: the second is the
    copy). The caller raises on a copy, so the request's transaction rolls back whatever it
    wrote."""
    earlier: dict[str, WebhookDelivery] = {}
    pending = list(entries)
    while pending:
        taken = repo.insert_unless_taken(session, [
            {"digest": e.digest, "endpoint": e.endpoint[:64],
             "signed_at": datetime.fromtimestamp(e.signed_at, UTC), "received_at": now,
             "run_id": run_id}
            for e, run_id in pending])
        # one statement inserts a digest twice only once, and returns it: the second copy
        # in `entries` was not taken here, whatever the statement says
        missing = []
        for entry, run_id in pending:
            if entry.digest not in taken:
                missing.append((entry, run_id))
            taken.discard(entry.digest)
        pending = []
        for entry, run_id in missing:
            row = repo.delivery_by_digest(session, entry.digest)
            if row is not None:
                earlier[entry.digest] = row
            else:  # the earlier copy's row went away meanwhile (the purge ran): take it
                pending.append((entry, run_id))
    return earlier


def purge(session: Session, now: datetime, max_age_seconds: int) -> int:
    """Forget deliveries whose signature is now refused as stale anyway."""
    return repo.delete_signed_before(session, now - timedelta(seconds=max_age_seconds))
