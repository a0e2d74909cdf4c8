"""A new dossier's clock columns in two halves: what does not depend on `now`, computed ahead
(by a file import's read-ahead worker, `app.ingest.clock_ahead`), and what does, finished by
the writer once its page's `now` is known.

On the engine's array path (`app.deadlines.batch`: a processing time, no pause, instants inside
the supported years) a dossier's clock start, start reason, due, difference from the
appointment and, once it is finished, its working time left follow from the dossier, its steps,
its procedure's rule, its office hours and the calendar alone. `now` enters in three places
only: which instants are known yet (`build_timeline` ignores later ones), the working time left
of an open dossier, and the classification. `clocks_ahead` computes the first part with the
batch engine's own functions, with every instant known (the worker's clock as the horizon);
`finish_ahead` adds the rest, and gives the columns `initial_clock_values` gives, provided
`usable` holds (every instant the timeline read is at or before `now`; `now` inside the
supported years) and the rule, office hours and calendar are those the writer would use now:
the caller checks those (`app.ingest.upsert`). Compared column for column in
tests/deadlines/test_ahead.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import numpy as np

from app.core.clock import LOCAL_TZ
from app.deadlines.batch import (
    _HIGHEST_US,
    _LOWEST_US,
    Subject,
    _Fast,
    _fast_row,
    _group_arrays,
    _index_for,
)
from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.clock import hours_of, working_clock
from app.deadlines.engine import _classify
from app.deadlines.hours import OfficeHoursSchedule
from app.deadlines.index import US_PER_HOUR, OutOfIndexRange, from_us, to_us
from app.deadlines.rules import ProcedureRule
from app.deadlines.store.steps import ReadableDossier, ReadableStep, StepReading, read_steps
from app.deadlines.store.sync import ClockSubject, DeadlineContext


class ClockAhead(NamedTuple):
    """What a new dossier's clock columns need that `now` does not change. A named tuple:
    thousands cross the pipe per page, and a tuple unpickles at a third of a dataclass's cost."""

    received_at: datetime
    rule: ProcedureRule  # what it was computed with: the writer checks they still hold
    hours: OfficeHoursSchedule
    reading: StepReading
    latest: datetime | None  # the newest instant the timeline read: usable when <= now
    start_us: int
    due_us: int
    finished_left_us: int | None  # working time left at the finish; None while open
    difference_us: int | None  # due minus the appointment; None without one
    finished_at: datetime | None  # the timeline's finish
    status: int | None  # the status the classification reads


class AheadSubject(ReadableDossier, Protocol):
    """A new dossier as the worker sees it (`ReadableDossier` and its appointment)."""

    @property
    def portal_due_at(self) -> datetime | None: ...


AheadItem = tuple[AheadSubject, ProcedureRule, OfficeHoursSchedule, Sequence[ReadableStep]]


def _latest(reading: StepReading) -> datetime | None:
    instants = [e.at for e in reading.events]
    instants += [i for i in (reading.finished_at, reading.returned_at) if i is not None]
    return max(instants, default=None)


def clocks_ahead(
    items: Sequence[AheadItem], calendar: CivilServiceCalendar, horizon: datetime
) -> list[ClockAhead | None]:
    """The `now`-free part of each item's clock, or None off the array path or when one of
    its instants is after ``horizon`` (the writer then computes it whole, as before)."""
    horizon = horizon.astimezone(UTC)
    readings: list[tuple[StepReading, datetime | None]] = []
    groups: dict[tuple[OfficeHoursSchedule, Any], list[_Fast]] = defaultdict(list)
    for position, (dossier, rule, hours, steps) in enumerate(items):
        reading = read_steps(dossier, steps)
        latest = _latest(reading)
        readings.append((reading, latest))
        if latest is not None and latest > horizon:
            continue
        row = _fast_row(position, Subject(
            received_at=dossier.received_at, rule=rule, events=reading.events, hours=hours,
            portal_due_at=dossier.portal_due_at, status=reading.status,
            finished_at=reading.finished_at, returned_at=reading.returned_at,
        ), horizon)
        if isinstance(row, _Fast):
            groups[(hours, row.cutoff)].append(row)
    out: list[ClockAhead | None] = [None] * len(items)
    for (hours, cutoff), rows in groups.items():
        index = _index_for(calendar, hours, rows)
        arrays = _group_arrays(calendar, hours, index, cutoff, rows)
        start, due, left, difference = (a.tolist() for a in arrays[:4])
        for k, row in enumerate(rows):
            dossier, rule = items[row.position][0], items[row.position][1]
            reading, latest = readings[row.position]
            finished = row.timeline.finished_at
            out[row.position] = ClockAhead(
                received_at=dossier.received_at, rule=rule, hours=hours, reading=reading,
                latest=latest, start_us=start[k], due_us=due[k],
                finished_left_us=None if finished is None else left[k],
                difference_us=None if row.portal_due is None else difference[k],
                finished_at=finished,
                status=row.status if row.status is not None else row.timeline.last_status,
            )
    return out


def usable(ahead: ClockAhead, now: datetime) -> bool:
    """Whether ``ahead`` read every instant known at ``now`` and no later one."""
    return ahead.latest is None or ahead.latest <= now


def now_in_range(now: datetime) -> bool:
    """Whether ``now`` is inside the years the array path accepts (it measures open dossiers
    and appointment-less ones against it)."""
    return _LOWEST_US <= to_us(now.astimezone(UTC)) < _HIGHEST_US


def _left_at(
    calendar: CivilServiceCalendar, hours: OfficeHoursSchedule, now_us: int, dues: list[int]
) -> list[int]:
    """Working time from ``now_us`` to each due, as the batch engine measures an open one."""
    clock = working_clock(calendar, hours)
    lowest, highest = min(now_us, *dues), max(now_us, *dues)
    index = clock.index(from_us(lowest).astimezone(LOCAL_TZ).year - 1,
                        from_us(highest).astimezone(LOCAL_TZ).year + 1)
    due = np.array(dues, dtype=np.int64)
    measured = np.full(len(dues), now_us, dtype=np.int64)
    while True:
        try:
            return [int(v) for v in index.between(measured, due).tolist()]
        except OutOfIndexRange:
            index = clock.grow(index)


def finish_ahead(
    pairs: Sequence[tuple[ClockSubject, ClockAhead]], context: DeadlineContext, now: datetime
) -> list[dict[str, Any]]:
    """The clock columns `initial_clock_values` gives these new dossiers, from their
    `ClockAhead` (each `usable` at ``now``, computed with the rule, hours and calendar in
    force, ``now`` in range: the caller's checks)."""
    now_utc = now.astimezone(UTC)
    now_us = to_us(now_utc)
    open_by_hours: dict[OfficeHoursSchedule, list[int]] = defaultdict(list)
    for k, (_, ahead) in enumerate(pairs):
        if ahead.finished_left_us is None:
            open_by_hours[ahead.hours].append(k)
    left: dict[int, int] = {}
    for hours, positions in open_by_hours.items():
        dues = [pairs[k][1].due_us for k in positions]
        left.update(zip(positions, _left_at(context.calendar, hours, now_us, dues), strict=True))
    due_soon_us = int(Decimal(context.due_soon_hours) * US_PER_HOUR)
    mismatch = Decimal(context.mismatch_hours)
    values = []
    for k, (dossier, ahead) in enumerate(pairs):
        due = from_us(ahead.due_us)
        left_us = ahead.finished_left_us if ahead.finished_left_us is not None else left[k]
        classification = _classify(
            status=ahead.status, finished_at=ahead.finished_at, due=due, paused=False,
            as_of=now_utc, left_us=left_us, due_soon_us=due_soon_us,
        )
        reading = ahead.reading
        # as `clock_values` writes an array-path result: a due, legal, no pause
        values.append({
            "status": reading.status,
            "finished_at": reading.finished_at,
            "returned_at": reading.returned_at,
            "clock_started_at": from_us(ahead.start_us),
            "due_at": due,
            "due_is_legal": True,
            "paused_since": None,
            "paused_working_minutes": 0,
            "classification": classification,
            "classified_as_of": now if dossier.classification != classification
            else dossier.classified_as_of,
            "appointment_mismatch": ahead.difference_us is not None
            and abs(hours_of(ahead.difference_us)) > mismatch,
        })
    return values
