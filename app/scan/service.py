"""The scan: every open dossier's clock as of `now`, the facts it reveals, and the notices due.

For each batch of open dossiers (one calendar and office-hours context for the whole scan):
1. `refresh_deadlines` recomputes the clock state as of `now` (due, pause, classification);
2. facts are recorded once in dossier_transition: became_due_soon, became_overdue,
   late_without_apology (past the legal due without a notice issued in time) and escalated
   (re-appointed and still open after the new date: NOTICES.md allows no second re-appointment);
3. a dossier at risk (open, not paused, due within one working day, no notice) gets a draft
   apology notice, approved as "auto" when its agency says so;
4. a newly overdue or escalated dossier queues a notification.
The scan is "as of now", so after downtime it catches up by itself, and a second scan at the
same instant records, drafts and queues nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from app.core.gc_pause import cyclic_gc_paused
from app.core.progress import Tracker
from app.deadlines import DeadlineResult, ProcessingTime, working_clock
from app.deadlines.step_types import StepSpan
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.open_rows import OpenDossier
from app.deadlines.store.step_sync import StepContext, load_step_context
from app.deadlines.store.sync import (
    DeadlineContext,
    events_of,
    load_context,
    refresh_deadlines,
)
from app.delivery.service import ShapedMessage, enqueue_many
from app.models import DossierEvent, Notice
from app.notices import repository as notice_repository
from app.rates.rollups import service as rollups
from app.scan import notify, repository
from app.scan import read_ahead as scan_read_ahead
from app.scan import steps as step_scan
from app.scan.drafts import draft_at_risk
from app.scan.read_ahead import BatchAhead
from app.scan.repository import TransitionFact

DEFAULT_BATCH_SIZE = 2000


@dataclass
class ScanCounts:
    scanned: int = 0
    in_time: int = 0
    due_soon: int = 0
    overdue: int = 0
    paused: int = 0
    became_due_soon: int = 0
    became_overdue: int = 0
    late_without_apology: int = 0
    escalated: int = 0
    drafted: int = 0
    auto_approved: int = 0
    notifications: int = 0
    # DEADLINES.md §8: open steps newly due soon / overdue (app/scan/steps.py)
    step_due_soon: int = 0
    step_overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: ScanCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def run_scan(
    session: Session,
    now: datetime,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    extension: ProcessingTime | None = None,
    context: DeadlineContext | None = None,
    since: datetime | None = None,
    progress: Tracker | None = None,
    with_steps: bool = True,
    read_ahead: bool | None = None,
) -> ScanCounts:
    """Scan open dossiers as of `now` (flushes, never commits): all of them, or with `since`
    (the instant of the last complete scan) only those whose state may have moved since.
    `progress` hears the total and each batch (the CLI's bar). A full scan of a SQLite file
    reads ahead in a worker process (`app.scan.read_ahead`) from `MIN_BATCHES` batches on;
    `read_ahead` True does at any size, False never does."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the scan instant must be timezone-aware")
    if not 1 <= batch_size <= 10_000:
        raise ValueError("batch_size must be between 1 and 10,000")
    context = context or load_context(session)
    # `with_steps=False` is the scan before issue 16, kept as the bench's baseline
    steps = load_step_context(session, context, None) if with_steps else None
    only = None
    if since is not None:
        horizon = _horizon(context, now)
        only = clock_repository.may_have_moved(since, now, horizon)
        if with_steps:
            only = or_(only, step_scan.may_have_moved(horizon))
    full = since is None

    @cache  # counted at most once: only for the progress bar or a possible read-ahead
    def total() -> int:
        return clock_repository.count_open(session, None, only)

    ahead = None
    # decided before the scan writes anything (the step states of closed dossiers below)
    if full and scan_read_ahead.wanted(session, total, batch_size, read_ahead):
        ahead = scan_read_ahead.ScanReadAhead(session, context, now, batch_size,
                                              with_steps=with_steps)
    if full and with_steps:
        step_scan.forget_closed(session)
    if progress is not None:
        progress.start(total())
    counts = ScanCounts()
    # Batches are plain rows (`OpenDossier`), not ORM objects: the scan writes them with its
    # own UPDATE, never through the unit of work. A full scan builds hundreds of thousands of
    # acyclic objects (rows, results, facts): the cyclic collector walking them all cost a
    # sixth of the scan and freed nothing.
    with cyclic_gc_paused(), ahead or nullcontext():
        batches = ahead.batches() if ahead is not None else (
            (batch, None) for batch in
            clock_repository.open_dossier_rows(session, None, batch_size, only))
        for batch, computed in batches:
            counts.add(scan_batch(session, batch, now, context, extension, steps,
                                  with_steps=with_steps, ahead=computed))
            if progress is not None:
                progress.advance(len(batch))
    return counts


def _horizon(context: DeadlineContext, now: datetime) -> datetime:
    """Beyond this instant no dossier can be due soon as of `now`: the due-soon threshold in
    working time on the slowest office hours in force, plus a day's margin for agencies whose
    sessions differ."""
    threshold_us = int(context.due_soon_hours * 3_600_000_000)
    latest = max(
        working_clock(context.calendar, schedule).advance(now, threshold_us)
        for schedule in context.schedules.values()
    )
    return latest + timedelta(days=1)


def scan_batch(
    session: Session,
    batch: Sequence[OpenDossier],
    now: datetime,
    context: DeadlineContext,
    extension: ProcessingTime | None = None,
    steps: StepContext | None = None,
    *,
    with_steps: bool = True,
    ahead: BatchAhead | None = None,
) -> ScanCounts:
    """One batch of the scan; `ahead`: its clocks and open steps computed already, by the
    read-ahead worker."""
    counts = ScanCounts(scanned=len(batch))
    events: dict[int, list[DossierEvent]] = {}
    notices = notice_repository.for_dossiers(session, [d.id for d in batch])
    results = refresh_deadlines(
        session, batch, now, context, events_out=events if ahead is None else None,
        more_columns=lambda d, r: _flags(d, r, notices.get(d.id), now), write=_write_clock,
        evaluated=ahead.evaluated if ahead is not None else None,
    )
    opened: dict[int, StepSpan] = {}
    facts: list[TransitionFact] = []
    if with_steps:
        steps = steps or load_step_context(session, context, None)
        found = ahead.steps if ahead is not None and ahead.steps is not None else \
            step_scan.step_findings(batch, results, events, now, steps)
        step_scan.keep_states(session, found.states, now)
        facts, opened = found.facts, found.opened
    at_risk: list[tuple[OpenDossier, DeadlineResult]] = []
    for dossier, result in zip(batch, results, strict=True):
        _classify_count(counts, result)
        notice = notices.get(dossier.id)
        facts.extend(_facts(dossier, result, notice, now))
        if result.classification == "due_soon" and notice is None:
            at_risk.append((dossier, result))
    known = repository.recorded_kinds(session, [f.dossier_id for f in facts])
    fresh = [f for f in facts if (f.dossier_id, f.kind) not in known]
    new = repository.record_transitions(session, fresh, now)
    by_id = {d.id: d for d in batch}
    # the batch's agencies, read from its 2,000 dossiers rather than from each new fact's
    agencies = repository.agencies_by_id(session, {d.agency_id for d in batch} if new else ())
    messages: list[ShapedMessage] = []
    for dossier_id, kind in sorted(new):
        dossier = by_id[dossier_id]
        if step_scan.is_step_kind(kind):  # §8: a step's fact, "step_overdue:<position>"
            field = step_scan.count_kind(kind)
            setattr(counts, field, getattr(counts, field) + 1)
            if field == "step_overdue":
                messages.append(step_scan.overdue_message(dossier, opened[dossier_id]))
            continue
        setattr(counts, kind, getattr(counts, kind) + 1)
        # Queued once per new fact; the outbox key makes a repeat a no-op anyway.
        if kind == "became_overdue":
            messages.append(notify.overdue(dossier, agencies.get(dossier.agency_id)))
        elif kind == "escalated":
            messages.append(notify.escalation(dossier, agencies.get(dossier.agency_id)))
    enqueue_many(session, messages, now)
    counts.notifications += len(messages)
    if ahead is not None and at_risk and steps is not None:  # read ahead without its events
        events = events_of(session, [d for d, _ in at_risk])
    blames = {d.id: step_scan.blame(d, events.get(d.id, ()), r, steps)
              for d, r in at_risk} if steps is not None else {}
    drafted, approved = draft_at_risk(session, [d for d, _ in at_risk], now, context,
                                      extension, blames)
    counts.drafted += drafted
    counts.auto_approved += approved
    session.flush()
    return counts


def _write_clock(session: Session, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """The batch's clock UPDATE, counted into the rate rollup with two grouped statements
    rather than by its row trigger (a first scan rewrites every open dossier)."""
    with rollups.counted_in_bulk(session, [row["id"] for row in rows]):
        clock_repository.update_clock_columns(session, rows, columns)


def _classify_count(counts: ScanCounts, result: DeadlineResult) -> None:
    if result.classification in ("in_time", "due_soon", "overdue", "paused"):
        setattr(counts, result.classification, getattr(counts, result.classification) + 1)


def _breaches(
    dossier: OpenDossier, result: DeadlineResult, notice: Notice | None, now: datetime
) -> tuple[bool, bool]:
    """(late without apology, escalated) as of this scan. Only past the due (never while
    paused): without a notice issued in time; still open after the re-appointed date
    (NOTICES.md allows no second re-appointment)."""
    if result.classification != "overdue" or result.due_at is None:
        return False, False
    reappointed = dossier.reappointed_due_at
    return (notice is None or not notice.issued_in_time,
            reappointed is not None and now > reappointed)


def _flags(
    dossier: OpenDossier, result: DeadlineResult, notice: Notice | None, now: datetime
) -> dict[str, bool]:
    """The dossier's flags after this scan; once raised, a flag stays raised."""
    unapologised, escalated = _breaches(dossier, result, notice, now)
    return {
        "late_without_apology": dossier.late_without_apology or unapologised,
        "escalated": dossier.escalated or escalated,
    }


def _facts(
    dossier: OpenDossier, result: DeadlineResult, notice: Notice | None, now: datetime
) -> list[TransitionFact]:
    kind = result.classification
    if kind == "due_soon":
        return [TransitionFact(dossier.id, "became_due_soon", now)]
    if kind != "overdue" or result.due_at is None:
        return []  # in time, or paused: never reported overdue while paused
    facts = [TransitionFact(dossier.id, "became_overdue", result.due_at)]
    unapologised, escalated = _breaches(dossier, result, notice, now)
    if unapologised:
        facts.append(TransitionFact(dossier.id, "late_without_apology", result.due_at))
    reappointed = dossier.reappointed_due_at
    if escalated and reappointed is not None:
        facts.append(TransitionFact(dossier.id, "escalated", reappointed))
    return facts
