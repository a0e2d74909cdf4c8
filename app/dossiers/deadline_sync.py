"""The bridge between stored dossiers and the pure deadline engine.

Ingest, the scan, catalogue imports and calendar changes all call `refresh_deadlines`, so a
dossier's clock state is computed by one piece of code whatever changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.calendar.calendar import CivilServiceCalendar
from app.calendar.service import load_calendar, load_office_hours
from app.core.config import get_settings
from app.core.progress import Tracker
from app.deadlines import (
    ClockEvent,
    DeadlineResult,
    OfficeHoursSchedule,
    ProcedureRule,
    ProcessingTime,
)
from app.deadlines.batch import Subject, evaluate_many
from app.dossiers import repository
from app.models import Dossier, DossierEvent, Procedure

FINISHED_STATUSES = frozenset({9, 10})
EXCLUDED_STATUSES = frozenset({1, 3, 7, 8})


@dataclass(frozen=True)
class DeadlineContext:
    """What the engine needs besides the dossier: the calendar, office hours and thresholds."""

    calendar: CivilServiceCalendar
    schedules: dict[int | None, OfficeHoursSchedule]
    due_soon_hours: Decimal
    mismatch_hours: Decimal

    def schedule_for(self, agency_id: int | None) -> OfficeHoursSchedule:
        return self.schedules.get(agency_id) or self.schedules[None]


def load_context(session: Session) -> DeadlineContext:
    settings = get_settings()
    return DeadlineContext(
        calendar=load_calendar(session),
        schedules=load_office_hours(session),
        due_soon_hours=Decimal(str(settings.due_soon_working_hours)),
        mismatch_hours=Decimal(str(settings.mismatch_working_hours)),
    )


def procedure_rule(procedure: Procedure | None) -> ProcedureRule:
    if procedure is None or procedure.processing_time is None or not procedure.processing_unit:
        return ProcedureRule(processing_time=None)
    return ProcedureRule(
        processing_time=ProcessingTime(
            value=Decimal(procedure.processing_time),
            unit=procedure.processing_unit,  # type: ignore[arg-type]
        ),
        cutoff=procedure.cutoff,
        restart_on_supplement=procedure.restart_on_supplement,
    )


class ClockSubject(Protocol):
    """What the clock reads of a dossier: a stored `Dossier`, or ingest's row not inserted yet."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def agency_id(self) -> int: ...
    @property
    def portal_due_at(self) -> datetime | None: ...
    @property
    def status(self) -> int: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def returned_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def classification(self) -> str | None: ...
    @property
    def classified_as_of(self) -> datetime | None: ...


class StepLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> int: ...


def clock_events(events: Iterable[StepLike]) -> list[ClockEvent]:
    """Events in timeline order (the caller's order: stored events by (at, id))."""
    return [ClockEvent(at=e.at, status=e.status) for e in events if 1 <= e.status <= 10]


def evaluate_dossier(
    dossier: ClockSubject,
    procedure: Procedure | None,
    events: Iterable[StepLike],
    context: DeadlineContext,
    as_of: datetime,
) -> DeadlineResult:
    return evaluate_dossiers([(dossier, procedure, events)], context, as_of)[0]


def evaluate_dossiers(
    items: Sequence[tuple[ClockSubject, Procedure | None, Iterable[StepLike]]],
    context: DeadlineContext,
    as_of: datetime,
) -> list[DeadlineResult]:
    """The engine's result for each (dossier, procedure, events in timeline order), computed
    together so that most of them run as array operations (`app.deadlines.batch`)."""
    rules: dict[int, ProcedureRule] = {}  # by object: one rule per procedure, not per dossier
    subjects = []
    for dossier, procedure, events in items:
        key = id(procedure)
        if key not in rules:
            rules[key] = procedure_rule(procedure)
        rule = rules[key]
        subjects.append(Subject(
            received_at=dossier.received_at,
            rule=rule,
            events=clock_events(events),
            hours=context.schedule_for(dossier.agency_id),
            portal_due_at=dossier.portal_due_at,
            status=dossier.status,
            finished_at=dossier.finished_at,
            returned_at=dossier.returned_at,
        ))
    return evaluate_many(
        subjects, context.calendar, as_of=as_of, due_soon_hours=context.due_soon_hours,
        mismatch_hours=context.mismatch_hours,
    )


def clock_values(dossier: ClockSubject, result: DeadlineResult, now: datetime) -> dict[str, Any]:
    """The dossier's clock columns after `result`."""
    keep_due = result.due_at is None and result.paused
    changed_class = dossier.classification != result.classification
    return {
        "clock_started_at": result.clock_started_at,
        # While paused before the due the engine has no due; the last known one stays shown.
        "due_at": dossier.due_at if keep_due else result.due_at,
        "due_is_legal": result.due_basis == "legal",
        "paused_since": result.paused_since,
        "paused_working_minutes": int(result.paused_working_hours * 60),
        "classification": result.classification,
        # "Since when" rather than "last computed": a scan that changes nothing then writes
        # nothing, instead of rewriting every open dossier every few minutes.
        "classified_as_of": now if changed_class else dossier.classified_as_of,
        "appointment_mismatch": result.appointment_mismatch,
    }


def apply_result(dossier: Dossier, result: DeadlineResult, now: datetime) -> None:
    for key, value in clock_values(dossier, result, now).items():
        setattr(dossier, key, value)


def initial_clock_values(
    items: Sequence[tuple[ClockSubject, Procedure | None, Iterable[StepLike]]],
    context: DeadlineContext,
    now: datetime,
) -> list[dict[str, Any]]:
    """The clock columns of dossiers not stored yet, from their steps held in memory (in the
    order they will be inserted), so each is inserted once with its clock state: what
    `refresh_deadlines` would write after the insert, without the UPDATE pass."""
    # sorted() is stable: steps at the same instant keep their insertion (id) order
    ordered = [(d, p, sorted(steps, key=lambda s: s.at)) for d, p, steps in items]
    results = evaluate_dossiers(ordered, context, now)
    return [clock_values(d, r, now) for (d, _, _), r in zip(items, results, strict=True)]


def refresh_deadlines(
    session: Session,
    dossiers: Sequence[Dossier],
    now: datetime,
    context: DeadlineContext | None = None,
) -> list[DeadlineResult]:
    """Recompute the clock state of these dossiers as of `now` (flushes, never commits).

    Changed rows are written with one executemany UPDATE of a fixed column set rather than by
    the unit of work, which would group rows by which columns changed and issue thousands of
    small statements per batch."""
    if not dossiers:
        return []
    session.flush()
    context = context or load_context(session)
    procedures = repository.procedures_by_id(session, {d.procedure_id for d in dossiers})
    events_by_dossier: dict[int, list[DossierEvent]] = defaultdict(list)
    for event in repository.events_for(session, [d.id for d in dossiers]):
        events_by_dossier[event.dossier_id].append(event)
    results = evaluate_dossiers(
        [(d, procedures.get(d.procedure_id), events_by_dossier.get(d.id, ())) for d in dossiers],
        context,
        now,
    )
    changes: list[dict[str, Any]] = []
    for dossier, result in zip(dossiers, results, strict=True):
        values = clock_values(dossier, result, now)
        if any(getattr(dossier, key) != value for key, value in values.items()):
            changes.append({"id": dossier.id, "received_at": dossier.received_at, **values})
            for key, value in values.items():
                set_committed_value(dossier, key, value)
    repository.update_clock_columns(session, changes)
    return results


def recompute_open_dossiers(
    session: Session,
    now: datetime,
    procedure_ids: Iterable[int] | None = None,
    batch_size: int = 1000,
    progress: Tracker | None = None,
) -> int:
    """After a calendar or catalogue change: open dossiers get new due times; closed ones keep
    the rule they were judged by."""
    context = load_context(session)
    procedures = list(procedure_ids) if procedure_ids is not None else None
    if progress is not None:
        progress.start(repository.count_open(session, procedures))
    count = 0
    for batch in repository.open_dossier_batches(session, procedures, batch_size):
        refresh_deadlines(session, batch, now, context)
        count += len(batch)
        if progress is not None:
            progress.advance(len(batch))
    return count
