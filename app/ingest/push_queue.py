"""Accept, then process: push deliveries on PostgreSQL answered once durable, processed moments
later in large batches.

A one-door system sends one record per request and waits for the answer before its next one;
processed inside the request (app/ingest/group_commit.py) the senders' cycle is serial: the
group gathers, then writes, and every sender waits for both (docs/scaling.md, the receiver,
round 6). Here a push delivery that can be accepted is, in its request's own short
transaction: authenticated as before, its records parsed (the same parsing that decides
refusals), its raw payloads stored, its row of the minute found (counted by the processor), its
replay-ledger entry taken (409 as before) and a `push_queue` row written, all by one statement
(app/ingest/queue_repository.py); then committed and answered ``error_code`` 0 with "thành
công". The background processor (app/ingest/queue_processor.py) then ingests the queued
deliveries in id order, up to `BATCH` at a time, through the same set-based path as a group
(`process_deliveries`, cut into runs that name each dossier once), adds their counts to their
rows of the minute and deletes their queue rows, in one transaction under the groups' advisory
lock (`GROUP_LOCK`): one writer of dossiers at a time across processes.

What would be refused, or depends on state, keeps the inline path and its reply (`accept`
returns None): a record the parser refuses (the 422 naming MaHoSo and field), a progress step
whose dossier is neither stored nor queued (UNKNOWN_DOSSIER: the sender is told at once),
lookups. Before an inline group writes, the queue rows ahead of it are processed
(`drain`), so a dossier's deliveries are applied in the order they were answered.

A batch that fails is rolled back and its deliveries processed one at a time; one that still
fails is quarantined with the reason (its raw rows stay; `tthc quarantine retry` takes it up
again) and leaves the queue: nothing is stuck, nothing is lost.
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Final, cast

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.ingest import queue_repository as repo
from app.ingest import replay_repository
from app.ingest.group_commit import _one_group_at_a_time
from app.ingest.intake import Failure, parse_one, raw_payloads, readable_code
from app.ingest.queue_batch import count_processed, deliveries_of, runs_by_dossier
from app.ingest.receptions import minute_key
from app.ingest.replies import queued_reply
from app.ingest.service import IngestCounts, process_deliveries, quarantine_received
from app.ingest.webhook import Plan, WebhookBusy, replayed
from connectors import DossierRecord, ProgressRecord
from connectors.portal.fields import printable

log = logging.getLogger(__name__)

#: Queued deliveries processed in one transaction at most: large enough that a record costs
#: a small fraction of a group of 8's, small enough that the lock and the rate-rollup rows
#: it holds are released within a fraction of a second.
BATCH: Final = 500
Reply = dict[str, Any]
Scope = Any  # Callable[[], AbstractContextManager[Session]]


def accept(session: Session, plan: Plan, now: datetime) -> Reply | None:
    """Store ``plan``'s delivery and queue it: its reply; None, nothing written, when it takes
    the inline path (a record refused, a step of an unknown dossier, no record at all).
    Raises the 409 of a replayed signed delivery (the caller's rollback takes back the rest).
    """
    params = accept_params(plan, now)
    return None if params is None else accepted(session, plan, repo.accept(session, params))


def accept_params(plan: Plan, now: datetime, key: str | None = None) -> dict[str, Any] | None:
    """The accept statement's values for ``plan``'s delivery (app/ingest/queue_repository.py);
    None when it takes the inline path without asking the database (a record the parser
    refuses, no record at all)."""
    delivered = plan.delivered
    records = list(delivered.records)
    parsed = [parse_one(record) for record in records]
    if not records or any(isinstance(p, Failure) for p in parsed):
        return None
    snapshots = sorted({p.code for p in parsed if isinstance(p, DossierRecord)})
    steps = sorted({p.dossier_code for p in parsed if isinstance(p, ProgressRecord)}
                   - set(snapshots))
    payloads = raw_payloads(records)
    texts, hashes, times = payloads.texts, payloads.hashes, payloads.receptions
    new = list(payloads.first.values())
    ledger = plan.ledger
    return {
        # lists as JSON texts: psycopg dumps a Python list element by element, in Python
        "steps": json.dumps(steps, ensure_ascii=False),
        "snapshots": json.dumps(snapshots, ensure_ascii=False),
        "order": json.dumps(hashes), "now": now,
        "source": delivered.source, "kind": records[0].kind,
        "sender_id": delivered.sender_id, "record_agency": records[0].agency_code,
        "records": json.dumps([
            {"h": hashes[i], "k": records[i].kind, "o": records[i].origin, "p": texts[i],
             "c": readable_code(records[i].payload), "n": times[hashes[i]]} for i in new],
            ensure_ascii=False),
        "key": key or minute_key(delivered.source, plan.sender, now), "detail": plan.sender.detail,
        "agency": plan.sender.agency_code,
        "digest": ledger.digest if ledger else None,
        "endpoint": ledger.endpoint[:64] if ledger else None,
        "signed_at": datetime.fromtimestamp(ledger.signed_at, UTC) if ledger else None,
        "session_id": None, "live_after": None,
    }


def accepted(session: Session, plan: Plan, got: repo.Accepted) -> Reply | None:
    """``plan``'s reply once its accept statement answered ``got``: None when nothing was
    written (the inline path answers); raises the 409 of a replayed signed delivery."""
    if not got.go:
        return None
    ledger = plan.ledger
    if ledger is not None and not got.ledger_taken:
        earlier = replay_repository.delivery_by_digest(session, ledger.digest)
        if earlier is None:  # purged between the conflict and this read: send again
            raise WebhookBusy("a copy of this delivery was just taken; send again",
                              retry_after_seconds=1)
        raise replayed(earlier)
    # a plan's `after` is the registered sender's last delivery (app/ingest/dvcqg.py), which
    # the processor notes (app/ingest/queue_batch.py `count_processed`): not here, where it locked
    # the sender's row
    assert got.run_id is not None
    return queued_reply(len(plan.delivered.records), got.run_id)


class Gathering(Exception):
    """Fewer than a batch is queued and its oldest was accepted less than the gathering time
    ago: drained again in ``seconds``, with what arrives meanwhile."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the queue gathers for {seconds:.3f} s more")
        self.seconds = seconds


def still_to_gather(depth: int, waited: float, gather: float, batch: int) -> float:
    """Seconds more to wait before a drain: until the oldest of ``depth`` queued deliveries
    has waited ``gather`` seconds; none when nothing is queued or a whole batch is."""
    if depth == 0 or depth >= batch:
        return 0.0
    return min(gather, max(0.0, gather - waited))


def process_batch(session: Session, now: datetime, limit: int = BATCH,
                  upto: int = repo.EVERY_ROW, gather: float = 0.0) -> int:
    """Process the oldest ``limit`` queued deliveries (none after ``upto``) in ``session``'s
    transaction, under the groups' lock; how many (0: the queue held none). With ``gather``,
    raises `Gathering` instead when fewer than ``limit`` are queued and the oldest waited
    less than ``gather`` seconds (read once the lock is held: another process's processor may
    just have taken what was queued)."""
    _one_group_at_a_time(session)
    rows = repo.take(session, limit, upto)
    if not rows:
        return 0
    wait = still_to_gather(len(rows), rows[0].waited, gather, limit) if gather else 0.0
    if wait > 0:
        raise Gathering(wait)
    built = deliveries_of(session, rows)
    received_of = {id(delivered): received for delivered, received in built}
    maybe_quarantined = {raw_id for row in rows for raw_id in row.raw_ids}
    counts_of: dict[int, IngestCounts] = {}
    for run in runs_by_dossier([delivered for delivered, _ in built]):
        received = [item for delivered in run for item in received_of[id(delivered)]]
        counted = process_deliveries(session, run, received, now, maybe_quarantined)
        counts_of.update(zip(map(id, run), counted, strict=True))
    count_processed(session, rows, [counts_of[id(delivered)] for delivered, _ in built])
    repo.delete(session, [row.id for row in rows])
    return len(rows)


def quarantine_oldest(session: Session, reason: str, now: datetime, upto: int) -> int:
    """Quarantine every record of the oldest queued delivery (its processing failed) with
    ``reason`` and take it off the queue; 1, or 0 if none was left."""
    _one_group_at_a_time(session)
    rows = repo.take(session, 1, upto)
    if not rows:
        return 0
    (delivered, received), = deliveries_of(session, rows, strict=False)
    quarantine_received(session, delivered.source, received, Failure("*", reason, None), now)
    counts = IngestCounts(quarantined=len(received))
    count_processed(session, rows, [counts])
    repo.delete(session, [rows[0].id])
    return 1


def _reason(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return printable(f"processing the accepted delivery failed: {type(exc).__name__}: "
                     f"{first}")[:500]


def _one_by_one(scope: Scope, count: int, upto: int) -> int:
    """The next ``count`` deliveries each in its own transaction; one that fails twice is
    quarantined. Stops (and returns) if even that fails: the database is away, the rows wait."""
    done = 0
    for _ in range(count):
        failure: Exception | None = None
        for _attempt in range(2):
            try:
                with scope() as session:
                    n = process_batch(session, utcnow(), 1, upto)
                failure = None
                break
            except Exception as exc:
                failure = exc
        if failure is not None:
            log.warning("a queued delivery failed to process; quarantining its records",
                        extra={"error_type": type(failure).__name__})
            try:
                with scope() as session:
                    n = quarantine_oldest(session, _reason(failure), utcnow(), upto)
            except Exception as exc:
                log.error("could not quarantine a queued delivery; it stays queued",
                          extra={"error_type": type(exc).__name__})
                return done
        if n == 0:
            break
        done += n
    return done


def drain(scope: Scope, upto: int = repo.EVERY_ROW, batch: int = BATCH,
          sizes: list[int] | None = None, gather: float = 0.0) -> int:
    """Process queued deliveries until none is left (none after ``upto``): how many.
    ``sizes`` receives each batch's size. ``gather``: the first batch may raise `Gathering`
    (`process_batch`)."""
    total = 0
    while True:
        try:
            with scope() as session:
                n = process_batch(session, utcnow(), batch, upto, gather)
        except Gathering:
            raise
        except Exception as exc:
            log.warning("a batch of queued deliveries failed; processing them one by one",
                        extra={"error_type": type(exc).__name__})
            n = _one_by_one(scope, batch, upto)
        gather = 0.0  # what is left after a batch has waited already
        if sizes is not None and n:
            sizes.append(n)
        total += n
        if n < batch:
            return total


def backlog(session: Session, now: datetime) -> tuple[int, float]:
    """Deliveries queued and not processed yet (every process's), and how many seconds the
    oldest has waited since its reply (0 when none waits): what /readyz and /metrics show."""
    depth, oldest, _ = repo.depth(session)
    return depth, (now - oldest).total_seconds() if oldest is not None else 0.0


def newest_id(scope: Scope) -> int | None:
    """The newest queued delivery's id (None: the queue is empty), read without the lock."""
    session: Session
    with cast(AbstractContextManager[Session], scope()) as session:
        return repo.depth(session)[2]
