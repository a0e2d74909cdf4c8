"""Many dossiers at once (a page of ingest, a batch of the scan): `evaluate` on arrays.

Most dossiers never wait for the citizen and follow a procedure with a processing time: their
state is a clock start, one due (an advance in working time, or the end of a working day for
calendar-day and same-day procedures) and two working-time differences, which run as
`WorkingTimeIndex` array operations for all dossiers sharing office hours and cut-off. Every
other dossier (a pause, a due taken from the portal, an instant near the ends of the supported
years) goes through the scalar `evaluate` unchanged; `evaluate_many_traced` says which path each
dossier took, so a test notices when the array path quietly stops being used.
`tests/deadlines/test_batch.py` checks the two paths agree field for field, and
`tests/deadlines/test_reference.py` checks both against a minute-by-minute reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import (
    MAX_YEAR,
    MIN_YEAR,
    StartReason,
    hours_of,
    processing_time_us,
    working_clock,
)
from app.deadlines.engine import MISMATCH_TOLERANCE_HOURS, assemble, evaluate
from app.deadlines.events import ClockEvent, Timeline, build_timeline, require_aware
from app.deadlines.hours import WORKING_DAY_HOURS, OfficeHoursSchedule
from app.deadlines.index import OutOfIndexRange, WorkingTimeIndex, from_us, to_us
from app.deadlines.result import DeadlineResult
from app.deadlines.rules import ProcedureRule, ProcessingTime

#: `WorkingTimeIndex.start_reason_codes` positions, in the order the scalar clock tests them.
START_REASONS: tuple[StartReason, ...] = (
    "non_working_day", "after_cutoff", "before_opening", "after_closing", "in_session",
    "between_sessions",
)
I64 = npt.NDArray[np.int64]
_DAY_UNITS = frozenset({"calendar_days", "same_day"})
#: How a dossier was evaluated: on arrays, or by the scalar engine and why.
BatchPath = Literal["array", "portal_due", "pauses", "outside_years"]
# Fast rows keep a year's margin inside the supported range, as the scalar clock's index does.
_LOWEST_US = to_us(datetime(MIN_YEAR + 1, 1, 1, tzinfo=LOCAL_TZ))
_HIGHEST_US = to_us(datetime(MAX_YEAR - 1, 1, 1, tzinfo=LOCAL_TZ))


@dataclass(frozen=True, slots=True)
class Subject:
    """One dossier as `evaluate` takes it."""

    received_at: datetime
    rule: ProcedureRule | None
    events: Sequence[ClockEvent]
    hours: OfficeHoursSchedule
    portal_due_at: datetime | None = None
    status: int | None = None
    finished_at: datetime | None = None
    returned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Fast:
    position: int
    received: datetime
    processing_time: ProcessingTime
    cutoff: time | None
    timeline: Timeline
    portal_due: datetime | None
    status: int | None
    # the same instants as microseconds, converted once; measured = finish, else now
    received_us: int
    measured_us: int
    portal_us: int  # now when there is no appointment (its difference is then unused)


def _utc(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else require_aware(value, name).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    results: list[DeadlineResult]
    paths: list[BatchPath]  # per subject, in order


def evaluate_many(
    subjects: Sequence[Subject],
    calendar: CivilServiceCalendar,
    *,
    as_of: datetime,
    due_soon_hours: Decimal | int = WORKING_DAY_HOURS,
    mismatch_hours: Decimal | int = MISMATCH_TOLERANCE_HOURS,
) -> list[DeadlineResult]:
    """`evaluate` for each subject, in order; equal to calling it one by one."""
    return evaluate_many_traced(
        subjects, calendar, as_of=as_of, due_soon_hours=due_soon_hours,
        mismatch_hours=mismatch_hours,
    ).results


def evaluate_many_traced(
    subjects: Sequence[Subject],
    calendar: CivilServiceCalendar,
    *,
    as_of: datetime,
    due_soon_hours: Decimal | int = WORKING_DAY_HOURS,
    mismatch_hours: Decimal | int = MISMATCH_TOLERANCE_HOURS,
) -> BatchOutcome:
    """`evaluate_many`, with the path each subject took."""
    now = require_aware(as_of, "as_of").astimezone(UTC)
    results: list[DeadlineResult | None] = [None] * len(subjects)
    groups, paths = _grouped(subjects, now)
    for (hours, cutoff), rows in groups.items():
        index = _index_for(calendar, hours, rows)
        done = _evaluate_group(
            calendar, hours, index, cutoff, rows, now, due_soon_hours, mismatch_hours
        )
        for row, result in zip(rows, done, strict=True):
            results[row.position] = result
    for position in _scalar(paths):
        results[position] = _evaluate_one(subjects[position], calendar, now, due_soon_hours,
                                          mismatch_hours)
    return BatchOutcome([r for r in results if r is not None], paths)


def due_and_left_many(
    subjects: Sequence[Subject], calendar: CivilServiceCalendar, *, as_of: datetime
) -> list[tuple[datetime | None, Decimal | None]]:
    """`(due_at, working_hours_left)` of each subject's `evaluate_many` result, without
    assembling the rest of it: for callers that need only these two of many dossiers (the
    breach-risk forecast of a province's open dossiers)."""
    now = require_aware(as_of, "as_of").astimezone(UTC)
    out: list[tuple[datetime | None, Decimal | None]] = [(None, None)] * len(subjects)
    groups, paths = _grouped(subjects, now)
    for (hours, cutoff), rows in groups.items():
        index = _index_for(calendar, hours, rows)
        _, due, left, _, _ = _group_arrays(calendar, hours, index, cutoff, rows)
        for row, due_us, left_us in zip(rows, due.tolist(), left.tolist(), strict=True):
            out[row.position] = (from_us(due_us), hours_of(left_us))
    for position in _scalar(paths):
        result = _evaluate_one(subjects[position], calendar, now, WORKING_DAY_HOURS,
                               MISMATCH_TOLERANCE_HOURS)
        out[position] = (result.due_at, result.working_hours_left)
    return out


def _grouped(
    subjects: Sequence[Subject], now: datetime
) -> tuple[dict[tuple[OfficeHoursSchedule, time | None], list[_Fast]], list[BatchPath]]:
    """The array path's rows by office hours and cut-off, and each subject's path."""
    paths: list[BatchPath] = ["array"] * len(subjects)
    groups: dict[tuple[OfficeHoursSchedule, time | None], list[_Fast]] = defaultdict(list)
    for position, subject in enumerate(subjects):
        fast = _fast_row(position, subject, now)
        if isinstance(fast, _Fast):
            groups[(subject.hours, fast.cutoff)].append(fast)
        else:
            paths[position] = fast
    return groups, paths


def _scalar(paths: list[BatchPath]) -> list[int]:
    return [position for position, path in enumerate(paths) if path != "array"]


def _evaluate_one(
    s: Subject, calendar: CivilServiceCalendar, now: datetime, due_soon_hours: Decimal | int,
    mismatch_hours: Decimal | int,
) -> DeadlineResult:
    return evaluate(
        s.received_at, s.rule, s.events, calendar, s.hours, as_of=now,
        portal_due_at=s.portal_due_at, status=s.status, finished_at=s.finished_at,
        returned_at=s.returned_at, due_soon_hours=due_soon_hours, mismatch_hours=mismatch_hours,
    )


def _fast_row(position: int, s: Subject, now: datetime) -> _Fast | BatchPath:
    """The row for the array path, or why only the scalar engine handles it."""
    rule = s.rule
    if rule is None or rule.processing_time is None:
        return "portal_due"
    received = require_aware(s.received_at, "received_at").astimezone(UTC)
    portal_due = _utc(s.portal_due_at, "portal_due_at")
    timeline = build_timeline(
        s.events, as_of=now, finished_at=_utc(s.finished_at, "finished_at"),
        returned_at=_utc(s.returned_at, "returned_at"),
    )
    if timeline.pauses:
        return "pauses"
    now_us = to_us(now)
    received_us = to_us(received)
    measured_us = now_us if timeline.finished_at is None else to_us(timeline.finished_at)
    portal_us = now_us if portal_due is None else to_us(portal_due)
    if not all(_LOWEST_US <= i < _HIGHEST_US for i in (received_us, measured_us, portal_us)):
        return "outside_years"
    return _Fast(position, received, rule.processing_time, rule.cutoff, timeline, portal_due,
                 s.status, received_us, measured_us, portal_us)


def _index_for(
    calendar: CivilServiceCalendar, hours: OfficeHoursSchedule, rows: list[_Fast]
) -> WorkingTimeIndex:
    # `now` enters through measured_us / portal_us wherever it is used
    lowest = min(min(r.received_us, r.measured_us, r.portal_us) for r in rows)
    highest = max(max(r.received_us, r.measured_us, r.portal_us) for r in rows)
    first = from_us(lowest).astimezone(LOCAL_TZ).year - 1
    last = from_us(highest).astimezone(LOCAL_TZ).year + 1
    return working_clock(calendar, hours).index(first, last)


def _group_arrays(
    calendar: CivilServiceCalendar,
    hours: OfficeHoursSchedule,
    index: WorkingTimeIndex,
    cutoff: time | None,
    rows: list[_Fast],
) -> tuple[I64, I64, I64, I64, I64]:
    """Clock start, due, working time left, due minus appointment and start reason of each row,
    as arrays (microseconds)."""
    received = np.array([r.received_us for r in rows], dtype=np.int64)
    # working_days / working_hours advance the clock; calendar_days / same_day end a day
    counted = [k for k, r in enumerate(rows) if r.processing_time.unit not in _DAY_UNITS]
    by_day = [k for k, r in enumerate(rows) if r.processing_time.unit in _DAY_UNITS]
    amount = np.array([processing_time_us(rows[k].processing_time) for k in counted],
                      dtype=np.int64)
    days = np.array([int(rows[k].processing_time.value) for k in by_day], dtype=np.int64)
    measured = np.array([r.measured_us for r in rows], dtype=np.int64)
    portal = np.array([r.portal_us for r in rows], dtype=np.int64)
    clock = working_clock(calendar, hours)
    while True:
        try:
            start = index.clock_start(received, cutoff)
            due = np.empty_like(start)
            due[counted] = index.advance(start[counted], amount)
            due[by_day] = index.end_of_working_day(index.day_of(start[by_day]) + days)
            left = index.between(measured, due)
            difference = index.between(due, portal)
            reasons = index.start_reason_codes(received, cutoff)
            return start, due, left, difference, reasons
        except OutOfIndexRange:  # a due past the index's last year: grow it, as the clock does
            index = clock.grow(index)  # past 2200 it raises, as the scalar engine would


def _evaluate_group(
    calendar: CivilServiceCalendar,
    hours: OfficeHoursSchedule,
    index: WorkingTimeIndex,
    cutoff: time | None,
    rows: list[_Fast],
    now: datetime,
    due_soon_hours: Decimal | int,
    mismatch_hours: Decimal | int,
) -> list[DeadlineResult]:
    start, due, left, difference, reasons = _group_arrays(calendar, hours, index, cutoff, rows)
    results = []
    for k, row in enumerate(rows):
        due_at = from_us(int(due[k]))
        results.append(assemble(
            received=row.received, now=now, timeline=row.timeline,
            processing_time=row.processing_time, start=from_us(int(start[k])),
            reason=START_REASONS[int(reasons[k])], restarted_at=None, base_due=due_at,
            due=due_at, legal=True, portal_due=row.portal_due, spans=(),
            left_us=int(left[k]),
            difference_us=None if row.portal_due is None else int(difference[k]),
            status=row.status, due_soon_hours=due_soon_hours, mismatch_hours=mismatch_hours,
        ))
    return results
