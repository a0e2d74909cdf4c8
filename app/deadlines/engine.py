"""The main entry point: a dossier's due instant, pauses and classification (DEADLINES.md §3–§6).

Pure: the caller gives `as_of` (no clock) and the calendar (no database). Instants in may be in
any timezone but must be aware; instants out are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from decimal import Decimal

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import StartReason, WorkingClock, hours_of, working_clock
from app.deadlines.events import ClockEvent, Pause, Timeline, build_timeline, require_aware
from app.deadlines.hours import WORKING_DAY_HOURS, OfficeHours, OfficeHoursSchedule
from app.deadlines.index import US_PER_HOUR
from app.deadlines.result import Classification, DeadlineResult, PauseSpan
from app.deadlines.rules import ProcedureRule, ProcessingTime
from app.deadlines.status import EXCLUDED

Hours = OfficeHours | OfficeHoursSchedule
MISMATCH_TOLERANCE_HOURS = Decimal(1)


def _utc(value: datetime, name: str) -> datetime:
    return require_aware(value, name).astimezone(UTC)


def compute_due(
    start: datetime,
    processing_time: ProcessingTime,
    calendar: CivilServiceCalendar,
    hours: Hours,
    *,
    cutoff: time | None = None,
) -> datetime:
    """Due instant (UTC) of a processing time counted from `start`, with the clock-start rules
    of §3 applied to `start` (e.g. a re-appointment counted from now)."""
    clock = working_clock(calendar, hours)
    begun = clock.clock_start(_utc(start, "start"), cutoff)
    return clock.base_due(begun, processing_time)


def appointment_difference_hours(
    legal_due: datetime, portal_due: datetime, calendar: CivilServiceCalendar, hours: Hours
) -> Decimal:
    """Working hours from the legal due to the portal's appointment; > 0 means the portal
    promised later than the law allows (which hides lateness)."""
    clock = working_clock(calendar, hours)
    return hours_of(
        clock.working_between(_utc(legal_due, "legal_due"), _utc(portal_due, "portal_due"))
    )


def appointment_mismatch(
    legal_due: datetime,
    portal_due: datetime,
    calendar: CivilServiceCalendar,
    hours: Hours,
    *,
    tolerance_hours: Decimal = MISMATCH_TOLERANCE_HOURS,
) -> bool:
    """True when the two are more than `tolerance_hours` working hours apart, either way."""
    difference = appointment_difference_hours(legal_due, portal_due, calendar, hours)
    return abs(difference) > tolerance_hours


@dataclass(frozen=True, slots=True)
class _Due:
    start: datetime
    reason: StartReason
    restarted_at: datetime | None
    base_due: datetime
    due: datetime | None  # None: paused before the due
    provisional_due: datetime  # the due before an open pause: the hours left when it began
    spans: tuple[PauseSpan, ...]


def _pause_working_us(clock: WorkingClock, pause: Pause, start: datetime, now: datetime) -> int:
    """Working time the pause took from the clock started at `start` (so far, if still open)."""
    counted_from = max(pause.start, start)
    counted_to = pause.end if pause.end is not None else max(now, counted_from)
    return max(clock.working_between(counted_from, counted_to), 0)


def _legal_due(
    clock: WorkingClock,
    received: datetime,
    rule: ProcedureRule,
    processing_time: ProcessingTime,
    pauses: tuple[Pause, ...],
    as_of: datetime,
) -> _Due:
    """DEADLINES.md §3–§5, the pauses taken in order against the due in force when each began.

    A pause that begins before that due shifts it by its working hours, or, still open, leaves
    the due unknown until it ends. A pause that begins at or after the due changes nothing: by
    then the whole processing time had elapsed ([start, due) is the time allowed; a request at
    the due instant comes too late to stop it). With `restart_on_supplement`, a supplement round
    begun before the due instead restarts the processing time from its resumption, and the
    pauses before it stop counting; one begun after the due restarts nothing (already late).
    """
    start = clock.clock_start(received, rule.cutoff)
    reason = clock.start_reason(received, rule.cutoff)
    restarted_at: datetime | None = None
    base_due = due = clock.base_due(start, processing_time)
    spans: list[PauseSpan] = []
    for pause in pauses:
        worked_us = _pause_working_us(clock, pause, start, as_of)
        worked = hours_of(worked_us)
        before_due = max(pause.start, start) < due
        restart = pause.resumed_at if rule.restart_on_supplement and pause.supplement else None
        if before_due and restart is not None:
            restarted_at = restart
            start = clock.clock_start(restart, rule.cutoff)
            reason = clock.start_reason(restart, rule.cutoff)
            base_due = due = clock.base_due(start, processing_time)
            spans = [replace(span, shifted_due=False) for span in spans]
            spans.append(PauseSpan(pause.start, pause.end, pause.statuses, worked, False))
        elif pause.end is None:
            # Only the last pause can be open (events.build_timeline).
            spans.append(PauseSpan(pause.start, None, pause.statuses, worked, False))
            frozen = None if before_due else due
            return _Due(start, reason, restarted_at, base_due, frozen, due, tuple(spans))
        else:
            if before_due:
                due = clock.advance(due, worked_us)
            spans.append(PauseSpan(pause.start, pause.end, pause.statuses, worked, before_due))
    return _Due(start, reason, restarted_at, base_due, due, due, tuple(spans))


def _classify(
    *,
    status: int | None,
    finished_at: datetime | None,
    due: datetime | None,
    paused: bool,
    as_of: datetime,
    left_us: int | None,
    due_soon_us: int,
) -> Classification:
    if status in EXCLUDED:
        return "excluded"
    if finished_at is not None and due is not None:
        if finished_at > due:
            return "late"
        if finished_at.astimezone(LOCAL_TZ).date() < due.astimezone(LOCAL_TZ).date():
            return "early"
        return "on_time"
    if paused:
        return "paused"
    if due is None:
        return "no_due"
    if as_of > due:
        return "overdue"
    if left_us is not None and left_us <= due_soon_us:
        return "due_soon"
    return "in_time"


def evaluate(
    received_at: datetime,
    rule: ProcedureRule | None,
    events: Iterable[ClockEvent],
    calendar: CivilServiceCalendar,
    hours: Hours,
    *,
    as_of: datetime,
    portal_due_at: datetime | None = None,
    status: int | None = None,
    finished_at: datetime | None = None,
    returned_at: datetime | None = None,
    due_soon_hours: Decimal | int = WORKING_DAY_HOURS,
    mismatch_hours: Decimal | int = MISMATCH_TOLERANCE_HOURS,
) -> DeadlineResult:
    """A dossier's deadline state as of `as_of`.

    `rule` None (or without a processing time) = procedure missing from the catalogue: the
    portal appointment is the due. `status` is the dossier's current status (default: the last
    event's). `portal_due_at` should be the portal's first appointment: a re-appointment never
    changes the classification.
    """
    received = _utc(received_at, "received_at")
    now = _utc(as_of, "as_of")
    portal_due = None if portal_due_at is None else _utc(portal_due_at, "portal_due_at")
    finish_in = None if finished_at is None else _utc(finished_at, "finished_at")
    returned_in = None if returned_at is None else _utc(returned_at, "returned_at")
    clock = working_clock(calendar, hours)
    timeline = build_timeline(events, as_of=now, finished_at=finish_in, returned_at=returned_in)
    open_pause = next((p for p in timeline.pauses if p.end is None), None)
    processing_time = rule.processing_time if rule is not None else None
    cutoff = rule.cutoff if rule is not None else None
    legal = processing_time is not None  # else the portal's appointment is the due
    due: datetime | None
    reference_due: datetime | None
    if rule is not None and processing_time is not None:
        computed = _legal_due(clock, received, rule, processing_time, timeline.pauses, now)
        start, reason, restarted_at = computed.start, computed.reason, computed.restarted_at
        base_due: datetime | None = computed.base_due
        due, reference_due, spans = computed.due, computed.provisional_due, computed.spans
    else:
        # Without a processing time the portal's appointment is the due; without either the
        # due is unknown (None) and the dossier is classified "no_due", never guessed.
        start = clock.clock_start(received, cutoff)
        reason = clock.start_reason(received, cutoff)
        restarted_at, base_due, due, reference_due = None, None, portal_due, portal_due
        # The portal's appointment is taken as given: pauses are listed, never added to it.
        spans = tuple(
            PauseSpan(
                p.start, p.end, p.statuses, hours_of(_pause_working_us(clock, p, start, now)), False
            )
            for p in timeline.pauses
        )

    if timeline.finished_at is not None:
        measured_at = timeline.finished_at
    elif open_pause is not None:
        measured_at = max(open_pause.start, start)
    else:
        measured_at = now
    left_us = None if reference_due is None else clock.working_between(measured_at, reference_due)
    difference_us = None
    if legal and due is not None and portal_due is not None:
        difference_us = clock.working_between(due, portal_due)
    return assemble(
        received=received, now=now, timeline=timeline, processing_time=processing_time,
        start=start, reason=reason, restarted_at=restarted_at, base_due=base_due, due=due,
        legal=legal, portal_due=portal_due, spans=spans, left_us=left_us,
        difference_us=difference_us, status=status, due_soon_hours=due_soon_hours,
        mismatch_hours=mismatch_hours,
    )


def assemble(
    *,
    received: datetime,
    now: datetime,
    timeline: Timeline,
    processing_time: ProcessingTime | None,
    start: datetime,
    reason: StartReason,
    restarted_at: datetime | None,
    base_due: datetime | None,
    due: datetime | None,
    legal: bool,
    portal_due: datetime | None,
    spans: tuple[PauseSpan, ...],
    left_us: int | None,
    difference_us: int | None,
    status: int | None,
    due_soon_hours: Decimal | int,
    mismatch_hours: Decimal | int,
) -> DeadlineResult:
    """The result from the computed instants and working times (UTC in, as `evaluate` and the
    batch path `app.deadlines.batch` both compute them)."""
    open_pause = next((p for p in timeline.pauses if p.end is None), None)
    paused = open_pause is not None
    effective_status = status if status is not None else timeline.last_status
    difference = None if difference_us is None else hours_of(difference_us)
    classification = _classify(
        status=effective_status,
        finished_at=timeline.finished_at,
        due=due,
        paused=paused,
        as_of=now,
        left_us=left_us,
        due_soon_us=int(Decimal(due_soon_hours) * US_PER_HOUR),
    )
    return DeadlineResult(
        as_of=now,
        received_at=received,
        clock_started_at=start,
        clock_start_reason=reason,
        restarted_at=restarted_at,
        processing_time=processing_time,
        cutoff_applies=reason == "after_cutoff",
        base_due_at=base_due,
        due_at=due,
        due_basis="legal" if legal else "portal",
        portal_due_at=portal_due,
        pauses=spans,
        paused=paused,
        paused_since=open_pause.start if open_pause is not None else None,
        paused_working_hours=sum((s.working_hours for s in spans), Decimal(0)),
        finished_at=timeline.finished_at,
        finish_status=timeline.finish_status,
        status=effective_status,
        working_hours_left=None if left_us is None else hours_of(left_us),
        classification=classification,
        appointment_mismatch=difference is not None and abs(difference) > Decimal(mismatch_hours),
        appointment_difference_hours=difference,
    )
