"""The one ingest path for every source (pull, file, webhook, quarantine retry).

``ingest_records`` takes a page of raw :class:`~connectors.SourceRecord` objects and:

1. keeps every raw payload (an identical payload once, with a reception count);
2. parses each record with the connectors' parser; an invalid record becomes a quarantine row
   and the rest of the page goes on;
3. upserts agencies, procedures, dossiers, applicants and progress events (see
   :mod:`app.ingest.upsert` for the ordering rules);
4. refreshes the deadlines of the dossiers that changed.

It only flushes: the caller commits (a page at a time for pulls and files, the request boundary
for webhooks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from app.deadlines.store.sync import Readings, load_context, refresh_deadlines
from app.ingest import repository as repo
from app.ingest.clock_ahead import ClocksAhead
from app.ingest.intake import (
    Failure,
    Parsed,
    Received,
    keep_raw,
    named_agency,
    parse_all,
    readable_code,
    sender_agency,
)
from app.ingest.read_ahead import Prepared
from app.ingest.upsert import BatchUpserter
from app.models import QuarantineEntry
from app.quality import service as quality
from connectors import DossierRecord, ProgressRecord, SourceRecord
from connectors.portal.fields import printable

UNKNOWN_DOSSIER: Final = "progress for a dossier not yet received"
#: Where a record came from: its source and registered sender (None: not registered).
Origin = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A record of the page that was quarantined: its position (from 1), code, field, reason."""

    position: int
    dossier_code: str | None
    field: str
    reason: str


@dataclass(slots=True)
class IngestCounts:
    """What happened to each incoming record (every record lands in exactly one count), and
    which records were refused."""

    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    refused: list[Refusal] = field(default_factory=list)

    def add(self, other: IngestCounts) -> None:
        self.stored += other.stored
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        self.refused.extend(other.refused)

    @property
    def total(self) -> int:
        return self.stored + self.updated + self.unchanged + self.quarantined

    def as_dict(self) -> dict[str, int]:
        return {"stored": self.stored, "updated": self.updated, "unchanged": self.unchanged,
                "quarantined": self.quarantined}


def ingest_records(
    session: Session,
    source: str,
    records: Iterable[SourceRecord],
    now: datetime,
    *,
    sender_id: int | None = None,
    prepared: Prepared | None = None,
) -> IngestCounts:
    """Ingest one page of records from ``source`` (delivered by registered sender
    ``sender_id``, if any); see the module docstring. ``prepared``: steps 1–2's database-free
    work on these records, done already by a file import's worker process."""
    texts, hashes, parsed = (None, None, None) if prepared is None else (
        prepared.texts, prepared.hashes, prepared.parsed)
    received, seen_before = keep_raw(session, source, records, now, texts, hashes)
    ahead = None
    if prepared is not None and prepared.clocks is not None:
        ahead = ClocksAhead(prepared.overrides, {
            record.code: clock for record, clock in zip(prepared.parsed, prepared.clocks,
                                                        strict=True)
            if clock is not None and isinstance(record, DossierRecord)
        })
    return process(session, source, received, now, maybe_quarantined=seen_before,
                   sender_id=sender_id, parsed=parsed, ahead=ahead)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One delivery's records, its source and registered sender (None: not registered)."""

    source: str
    sender_id: int | None
    records: Sequence[SourceRecord]


def ingest_deliveries(
    session: Session, deliveries: Sequence[Delivered], now: datetime
) -> list[IngestCounts]:
    """Several deliveries' records ingested as one page, with the same set-based statements as
    a page of one source; each delivery's counts (refusals numbered within the delivery), as
    `ingest_records` would have counted it alone. Each raw record, quarantine entry and
    anomaly keeps its own delivery's source and sender."""
    origins = [(d.source, d.sender_id) for d in deliveries for _ in d.records]
    records = [record for d in deliveries for record in d.records]
    received, seen_before = keep_raw(session, [o[0] for o in origins], records, now)
    return process_deliveries(session, deliveries, received, now, seen_before)


def process_deliveries(
    session: Session, deliveries: Sequence[Delivered], received: Sequence[Received],
    now: datetime, maybe_quarantined: set[int],
) -> list[IngestCounts]:
    """Steps 2–4 of `ingest_deliveries` for deliveries whose raw rows exist (``received``: every
    delivery's records with their raw ids, in order): the queued push deliveries'
    processor (app/ingest/push_queue.py) calls it on raw rows stored at acceptance."""
    origins = [(d.source, d.sender_id) for d in deliveries for _ in d.records]
    outcomes: list[str] = []
    total = process(session, origins[0][0] if origins else "", received, now,
                    maybe_quarantined=maybe_quarantined, origins=origins, outcomes=outcomes)
    refusals = {r.position: r for r in total.refused}
    split: list[IngestCounts] = []
    start = 0
    for delivery in deliveries:
        counts = IngestCounts()
        for index in range(start, start + len(delivery.records)):
            setattr(counts, outcomes[index], getattr(counts, outcomes[index]) + 1)
            refusal = refusals.get(index + 1)
            if refusal is not None:
                counts.refused.append(Refusal(index + 1 - start, refusal.dossier_code,
                                              refusal.field, refusal.reason))
        split.append(counts)
        start += len(delivery.records)
    return split


def process(
    session: Session,
    source: str,
    items: Sequence[Received],
    now: datetime,
    *,
    maybe_quarantined: set[int],
    is_retry: bool = False,
    sender_id: int | None = None,
    parsed: Sequence[Parsed] | None = None,
    origins: Sequence[Origin] | None = None,
    outcomes: list[str] | None = None,
    ahead: ClocksAhead | None = None,
) -> IngestCounts:
    """Steps 2–4 for records whose raw rows exist already.

    ``maybe_quarantined`` are the raw ids that may have a quarantine entry (raw rows older than
    this call); ``is_retry`` means the records were not received again, so quarantine counts
    and last-seen instants stay as they are. ``origins``: each item's (source, sender id), when
    they differ (`ingest_deliveries`); ``outcomes``, when given, receives each item's count
    name (stored, updated, unchanged, quarantined) in item order. ``ahead``: the read-ahead
    worker's `now`-free clocks of possible new dossiers (used only where they still hold).
    """
    origin_of = (dict(zip(map(id, items), origins, strict=True)) if origins is not None
                 else dict.fromkeys(map(id, items), (source, sender_id)))
    outcome_of: dict[int, str] = {}
    counts = IngestCounts()
    results = parse_all(items, parsed)
    positions = {id(item): index for index, item in enumerate(items, start=1)}
    dossier_items: list[tuple[Received, DossierRecord]] = []
    step_items: list[tuple[Received, ProgressRecord]] = []
    failures: list[tuple[Received, Failure]] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, DossierRecord):
            dossier_items.append((item, result))
        elif isinstance(result, ProgressRecord):
            step_items.append((item, result))
        else:
            failures.append((item, result))

    upserter = BatchUpserter(session, now, ahead)
    upserter.load(
        [(record, item.record.agency_code) for item, record in dossier_items],
        [step for _, step in step_items],
    )
    stored_ids: set[int] = set()
    code_origins: dict[str, Origin] = {}  # whose records an anomaly of a dossier came from
    for item, record in dossier_items:
        outcome = upserter.apply_dossier(record, item.raw_id)
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        outcome_of[id(item)] = outcome
        code_origins.setdefault(record.code, origin_of[id(item)])
        stored_ids.add(item.raw_id)
    for item, step in step_items:
        step_outcome = upserter.apply_progress(step)
        if step_outcome is None:
            failures.append((item, Failure("MaHoSo", UNKNOWN_DOSSIER, step.dossier_code)))
            continue
        setattr(counts, step_outcome, getattr(counts, step_outcome) + 1)
        outcome_of[id(item)] = step_outcome
        code_origins.setdefault(step.dossier_code, origin_of[id(item)])
        stored_ids.add(item.raw_id)
    upserter.write_step_moves()  # before load_context's autoflush writes them one by one
    # calendar and office hours, loaded once for the new rows and the refresh below
    context = load_context(session) if dossier_items or step_items else None
    touched = upserter.finish(context) if context is not None else []

    failed_ids = {item.raw_id for item, _ in failures}
    entries = repo.quarantine_by_raw_id(
        session, sorted(failed_ids | (stored_ids & maybe_quarantined))
    )
    _quarantine(session, {id(item): origin_of[id(item)][0] for item, _ in failures}, failures,
                entries, now, is_retry=is_retry)
    counts.quarantined += len(failures)
    if outcomes is not None:
        outcomes.extend(outcome_of.get(id(item), "quarantined") for item in items)
    counts.refused.extend(
        Refusal(positions[id(item)], readable_code(item.record.payload), f.field, f.reason)
        for item, f in failures
    )
    for raw_id in stored_ids - failed_ids:
        entry = entries.get(raw_id)
        if entry is not None and entry.status == "open":
            entry.status, entry.resolved_at = "resolved", now
    session.flush()

    readings: Readings = dict(upserter.readings)
    if touched:
        refresh_deadlines(session, touched, now, context, readings)
    ids = {code: d.id for code, d in upserter.dossiers.items()}
    each_origin = list(dict.fromkeys(origin_of.values())) or [(source, sender_id)]
    for origin in each_origin:  # one call when every item has one origin
        def of_origin(code: str, origin: Origin = origin) -> bool:
            return code_origins.get(code, each_origin[0]) == origin
        quality.record(
            session, flags=[(ids[code], flag) for code, flag in upserter.flags
                            if of_origin(code)],
            readings={ids[code]: reading for code, reading in readings.items()
                      if of_origin(code)},
            source=origin[0], sender_id=origin[1], now=now,
        )
    return counts


def quarantine_received(
    session: Session, source: str, items: Sequence[Received], failure: Failure, now: datetime
) -> None:
    """Quarantine ``items`` (raw rows stored already) with one ``failure``: a queued delivery
    whose processing failed (app/ingest/push_queue.py). Its records stay retryable."""
    entries = repo.quarantine_by_raw_id(session, sorted({item.raw_id for item in items}))
    _quarantine(session, {id(item): source for item in items},
                [(item, failure) for item in items], entries, now, is_retry=False)
    session.flush()


def _quarantine(
    session: Session,
    sources: dict[int, str],
    failures: Sequence[tuple[Received, Failure]],
    entries: dict[int, QuarantineEntry],
    now: datetime,
    *,
    is_retry: bool,
) -> None:
    created: list[QuarantineEntry] = []
    for item, failure in failures:
        entry = entries.get(item.raw_id)
        named, sender = named_agency(item.record.payload), sender_agency(item.record)
        if entry is None:
            entry = QuarantineEntry(
                raw_record_id=item.raw_id, source=sources[id(item)],
                dossier_code=readable_code(item.record.payload), field=failure.field,
                reason=printable(failure.reason), value=_printable(failure.value),
                first_seen_at=now, last_seen_at=now, count=1, status="open",
                named_agency=named, sender_agency=sender,
            )
            entries[item.raw_id] = entry
            created.append(entry)
            continue
        entry.field, entry.reason = failure.field, printable(failure.reason)
        entry.value = _printable(failure.value)
        # a retry re-reads the raw payload without its envelope: keep the sender it came with
        entry.named_agency = named or entry.named_agency
        entry.sender_agency = sender or entry.sender_agency
        if entry.status != "open":
            entry.status, entry.resolved_at = "open", None
        if not is_retry:
            entry.count += 1
            entry.last_seen_at = now
    session.add_all(created)


def _printable(value: str | None) -> str | None:
    return None if value is None else printable(value)
