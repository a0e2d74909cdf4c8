"""The bridge between stored dossiers and the pure deadline engine.

Ingest, the scan, catalogue imports and calendar changes all call `refresh_deadlines`, so a
dossier's clock state is computed by one piece of code whatever changed. What the stored steps
and reported instants mean (senders' quirks included) is read first (`steps`); the
status, finish and return instants that reading settles are written back with the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.progress import Tracker
from app.deadlines import (
    DeadlineResult,
    OfficeHoursSchedule,
    ProcedureRule,
    ProcessingTime,
)
from app.deadlines.batch import Subject, evaluate_many
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.store import context_cache, repository
from app.deadlines.store.loaders import load_calendar, load_office_hours
from app.deadlines.store.open_rows import OpenDossier, follow_loaded, take_moved
from app.deadlines.store.steps import ReadableDossier, ReadableStep, StepReading, read_steps
from app.models import Dossier, DossierEvent, Procedure


@dataclass(frozen=True)
class DeadlineContext:
    """What the engine needs besides the dossier: the calendar, office hours and thresholds."""

    calendar: CivilServiceCalendar
    schedules: dict[int | None, OfficeHoursSchedule]
    due_soon_hours: Decimal
    mismatch_hours: Decimal

    def schedule_for(self, agency_id: int | None) -> OfficeHoursSchedule:
        return self.schedules.get(agency_id) or self.schedules[None]


def _load_tables(
    session: Session,
) -> tuple[CivilServiceCalendar, dict[int | None, OfficeHoursSchedule]]:
    return load_calendar(session), load_office_hours(session)


def load_context(session: Session) -> DeadlineContext:
    settings = get_settings()
    calendar, schedules = context_cache.cached(session, _load_tables)
    return DeadlineContext(
        calendar=calendar,
        schedules=dict(schedules),  # the cached one stays as read
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


class ClockSubject(ReadableDossier, Protocol):
    """What the clock reads of a dossier: a stored `Dossier`, or ingest's row not inserted yet
    (what its steps' reading needs, and the clock columns it may rewrite)."""

    @property
    def code(self) -> str: ...
    @property
    def agency_id(self) -> int: ...
    @property
    def portal_due_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def classification(self) -> str | None: ...
    @property
    def classified_as_of(self) -> datetime | None: ...


StepLike = ReadableStep
#: what `refresh_deadlines` recomputes: loaded dossiers, or the scan's plain rows
Stored = TypeVar("Stored", Dossier, OpenDossier)
Item = tuple[ClockSubject, Procedure | None, Iterable[StepLike]]
Readings = dict[str, StepReading]


def evaluate_dossier(
    dossier: ClockSubject,
    procedure: Procedure | None,
    events: Iterable[StepLike],
    context: DeadlineContext,
    as_of: datetime,
) -> DeadlineResult:
    return evaluate_dossiers([(dossier, procedure, events)], context, as_of)[0]


def evaluate_dossiers(
    items: Sequence[Item], context: DeadlineContext, as_of: datetime
) -> list[DeadlineResult]:
    """The engine's result for each (dossier, procedure, events in timeline order), computed
    together so that most of them run as array operations (`app.deadlines.batch`)."""
    return [result for result, _ in evaluate_read(items, context, as_of)]


def evaluate_read(
    items: Sequence[Item], context: DeadlineContext, as_of: datetime
) -> list[tuple[DeadlineResult, StepReading]]:
    """`evaluate_dossiers` with each dossier's step reading beside its result."""
    rules: dict[int, ProcedureRule] = {}  # by object: one rule per procedure, not per dossier
    subjects = []
    readings = []
    for dossier, procedure, events in items:
        key = id(procedure)
        if key not in rules:
            rules[key] = procedure_rule(procedure)
        reading = read_steps(dossier, events)
        readings.append(reading)
        subjects.append(Subject(
            received_at=dossier.received_at,
            rule=rules[key],
            events=reading.events,
            hours=context.schedule_for(dossier.agency_id),
            portal_due_at=dossier.portal_due_at,
            status=reading.status,
            finished_at=reading.finished_at,
            returned_at=reading.returned_at,
        ))
    results = evaluate_many(
        subjects, context.calendar, as_of=as_of, due_soon_hours=context.due_soon_hours,
        mismatch_hours=context.mismatch_hours,
    )
    return list(zip(results, readings, strict=True))


def clock_values(
    dossier: ClockSubject, result: DeadlineResult, reading: StepReading, now: datetime
) -> dict[str, Any]:
    """The dossier's clock columns after `result`, and what `reading` settled."""
    keep_due = result.due_at is None and result.paused
    changed_class = dossier.classification != result.classification
    return {
        "status": reading.status,
        "finished_at": reading.finished_at,
        "returned_at": reading.returned_at,
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


def initial_clock_values(
    items: Sequence[tuple[ClockSubject, Procedure | None, Iterable[StepLike]]],
    context: DeadlineContext,
    now: datetime,
    readings: Readings | None = None,
) -> list[dict[str, Any]]:
    """The clock columns of dossiers not stored yet, from their steps held in memory, so each
    is inserted once with its clock state: what `refresh_deadlines` would write after the
    insert, without the UPDATE pass. `readings` receives each one's step reading by code."""
    evaluated = evaluate_read(items, context, now)
    values = []
    for (dossier, _, _), (result, reading) in zip(items, evaluated, strict=True):
        if readings is not None:
            readings[dossier.code] = reading
        values.append(clock_values(dossier, result, reading, now))
    return values


def events_of(session: Session, dossiers: Sequence[Stored]) -> dict[int, list[DossierEvent]]:
    """The dossiers' progress records in timeline order, by dossier id."""
    events_by_dossier: dict[int, list[DossierEvent]] = defaultdict(list)
    for event in repository.events_for(session, [d.id for d in dossiers]):
        events_by_dossier[event.dossier_id].append(event)
    return events_by_dossier


def evaluate_stored(
    session: Session,
    dossiers: Sequence[Stored],
    events: Mapping[int, Sequence[StepLike]],
    context: DeadlineContext,
    now: datetime,
) -> list[tuple[DeadlineResult, StepReading]]:
    """`evaluate_read` of stored dossiers with their procedures and these progress records."""
    procedures = repository.procedures_by_id(session, {d.procedure_id for d in dossiers})
    return evaluate_read(
        [(d, procedures.get(d.procedure_id), events.get(d.id, ())) for d in dossiers],
        context,
        now,
    )


def refresh_deadlines(
    session: Session,
    dossiers: Sequence[Stored],
    now: datetime,
    context: DeadlineContext | None = None,
    readings: Readings | None = None,
    events_out: dict[int, list[DossierEvent]] | None = None,
    more_columns: Callable[[Stored, DeadlineResult], dict[str, Any]] | None = None,
    write: Callable[[Session, list[dict[str, Any]], list[str]], None] | None = None,
    evaluated: Sequence[tuple[DeadlineResult, StepReading]] | None = None,
) -> list[DeadlineResult]:
    """Recompute the clock state of these dossiers as of `now` (flushes, never commits).
    `events_out` receives the progress records read, by dossier id (the scan's steps reuse
    them rather than reading them twice). `more_columns` adds columns that follow from the
    result (the same names for every dossier) to the same UPDATE: the scan's flags ride along
    instead of costing a second UPDATE, and a second firing of the rate-rollup trigger, per row.
    `write` replaces `repository.update_clock_columns` as the writer of the changed rows (the
    scan wraps it to count them into the rate rollup in bulk). `evaluated`: the dossiers'
    results and step readings computed already, as `evaluate_stored` would compute them now
    (the scan's read-ahead worker). The dossiers are loaded objects or the scan's plain rows
    (`OpenDossier`); either takes the moved values at once.

    Changed rows are written with one bulk UPDATE (`update_many`) of a fixed column set rather
    than by the unit of work, which would group rows by which columns changed and issue
    thousands of small statements per batch."""
    if not dossiers:
        return []
    session.flush()
    context = context or load_context(session)
    if evaluated is None or events_out is not None:
        events_by_dossier = events_of(session, dossiers)
        if events_out is not None:
            events_out.update(events_by_dossier)
        if evaluated is None:
            evaluated = evaluate_stored(session, dossiers, events_by_dossier, context, now)
    changes: list[dict[str, Any]] = []
    written: dict[str, None] = {}  # the columns some dossier's value moved in, in order
    rows_moved: dict[int, dict[str, Any]] = {}
    for dossier, (result, reading) in zip(dossiers, evaluated, strict=True):
        if readings is not None:
            readings[dossier.code] = reading
        values = clock_values(dossier, result, reading, now)
        if more_columns is not None:
            values.update(more_columns(dossier, result))
        moved = take_moved(dossier, values)
        if moved:
            changes.append({"id": dossier.id, "received_at": dossier.received_at, **values})
            written.update(dict.fromkeys(moved))
            if isinstance(dossier, OpenDossier):
                rows_moved[dossier.id] = moved
    # A column no dossier's value moved in is left out of the UPDATE (on a first scan: the
    # status, finish and pause columns), which writes the same rows with fewer parameters;
    # the rows keep every column, the writer takes those named.
    (write or repository.update_clock_columns)(session, changes, list(written))
    follow_loaded(session, rows_moved)
    return [result for result, _ in evaluated]


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
    for batch in repository.open_dossier_rows(session, procedures, batch_size):
        refresh_deadlines(session, batch, now, context)
        count += len(batch)
        if progress is not None:
            progress.advance(len(batch))
    return count
