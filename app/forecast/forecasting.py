"""Learn from the dossiers finished before an instant, forecast the ones open at it (pure).

`learn` and `forecast` take `Case`s (stored dossiers with their steps) and an explicit `as_of`;
neither reads anything stamped after it (`history.snapshot`). The due and the working time left
come from the deadline engine's batch path (`due_and_left_many`: the two fields of
`evaluate_many` it needs), on the same events, so the forecast and the due-soon rule judge the
same clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from app.core.gc_pause import cyclic_gc_paused
from app.deadlines import OfficeHoursSchedule, working_clock
from app.deadlines.batch import Subject, due_and_left_many
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.index import US_PER_HOUR, OutOfIndexRange, from_us, to_us
from app.deadlines.status import FINISHED
from app.deadlines.store.steps import StepReading
from app.forecast.backlog import Backlog, UnitKey
from app.forecast.history import (
    Case,
    LegalClock,
    Snapshot,
    SnapshotCache,
    by_schedule,
    finish_of,
    snapshot,
)
from app.forecast.model import RemainingTimeModel, Segment
from app.forecast.wording import reasons_for

#: A finished dossier's stays, by code, beside the step reading they were computed from.
LearnedCache = dict[str, tuple[StepReading, tuple[Segment, ...]]]

#: Learn from dossiers received within this many days before the instant (recent habits count).
LEARNING_DAYS = 365
#: ... and at least this many days before it: of the dossiers received last week only the fast
#: ones have finished yet, and learning from them alone would forecast everyone fast.
SETTLED_DAYS = 60


@dataclass(slots=True)  # not frozen: a province makes 100,000 of them at once
class Forecast:
    code: str
    agency: str
    procedure: str
    unit: str
    probability_late: float
    expected_finish_at: datetime
    due_at: datetime
    working_hours_left: float
    samples: int
    # what the reasons are worded from (legal working hours, unrounded; the unit's count at
    # the instant)
    typical_stay: float | None
    held_hours: float
    hours_left: float
    median_remaining: float
    unit_backlog: int

    @property
    def reasons(self) -> tuple[str, ...]:
        """The main reasons in Vietnamese, worded when read: a province has 100,000 open
        dossiers, a list shows a few hundred."""
        return reasons_for(unit=self.unit, typical_stay=self.typical_stay, held=self.held_hours,
                           left=self.hours_left, median_remaining=self.median_remaining,
                           backlog=self.unit_backlog)


def _unit_runs(snap: Snapshot, until: datetime) -> list[tuple[str, datetime]]:
    """(unit, entered at) for each stay at a unit before `until`, in order."""
    runs: list[tuple[str, datetime]] = []
    for step in snap.case.steps:
        if step.at > until or step.status in FINISHED or not step.unit:
            continue
        if not runs or runs[-1][0] != step.unit:
            runs.append((step.unit, step.at))
    return runs


def _crowding(backlog: Backlog, keys: Sequence[UnitKey],
              instants: Sequence[datetime]) -> list[int]:
    """The crowding of each (agency, unit) at each instant, batched per unit."""
    out = [0] * len(keys)
    members: dict[UnitKey, list[int]] = {}
    for k, key in enumerate(keys):
        members.setdefault(key, []).append(k)
    for key, ks in members.items():
        for k, value in zip(ks, backlog.crowding(key, [instants[k] for k in ks]), strict=True):
            out[k] = int(value)
    return out


@cyclic_gc_paused()
def learn(
    cases: Sequence[Case], as_of: datetime, calendar: CivilServiceCalendar,
    backlog: Backlog, learning_days: int = LEARNING_DAYS, settled_days: int = SETTLED_DAYS,
    cache: SnapshotCache | None = None, learned: LearnedCache | None = None,
) -> RemainingTimeModel:
    """The model of remaining time, from dossiers finished before `as_of` only.

    `cache` and `learned` let a replay of many instants reuse what did not change: a finished
    dossier's stays are the same at every later instant (the backlog a stay met when it began
    counts only stays known by then)."""
    as_of = as_of.astimezone(UTC)  # stored instants are UTC: same-zone comparisons are cheap
    earliest = as_of - timedelta(days=learning_days)
    latest = as_of - timedelta(days=settled_days)
    segments: list[Segment] = []
    snaps: list[Snapshot] = []
    instants: list[list[datetime]] = []
    runs_of: list[list[tuple[str, datetime]]] = []
    for case in cases:
        if not earliest <= case.received_at <= latest:
            continue
        snap = snapshot(case, as_of, cache)
        known = learned.get(case.code) if learned is not None else None
        if known is not None and known[0] is snap.reading:
            segments.extend(known[1])
            continue
        finish = finish_of(snap)
        if finish is None:
            continue
        runs = _unit_runs(snap, finish)
        if not runs:
            continue
        snaps.append(snap)
        runs_of.append(runs)
        instants.append([max(at, case.received_at) for _, at in runs] + [finish])
    consumed = LegalClock(calendar).consumed_hours(snaps, instants)
    stays = [((s.case.agency, unit), at) for s, runs in zip(snaps, runs_of, strict=True)
             for unit, at in runs]
    crowding = iter(_crowding(backlog, [k for k, _ in stays], [at for _, at in stays]))
    for snap, runs, hours in zip(snaps, runs_of, consumed, strict=True):
        total = hours[-1]
        made = tuple(Segment(snap.case.procedure, snap.case.agency, unit, hours[k],
                             hours[k + 1], total, next(crowding))
                     for k, (unit, _) in enumerate(runs))
        segments.extend(made)
        if learned is not None:
            learned[snap.case.code] = (snap.reading, made)
    return RemainingTimeModel(segments)


@cyclic_gc_paused()
def open_at(cases: Sequence[Case], as_of: datetime,
            cache: SnapshotCache | None = None) -> list[Snapshot]:
    """The dossiers open (received, not paused, not excluded, not finished) at `as_of`."""
    as_of = as_of.astimezone(UTC)  # stored instants are UTC: same-zone comparisons are cheap
    snaps = (snapshot(c, as_of, cache) for c in cases if c.received_at <= as_of)
    return [s for s in snaps if s.state == "open"]


@cyclic_gc_paused()
def forecast(
    snaps: Sequence[Snapshot], as_of: datetime, calendar: CivilServiceCalendar,
    model: RemainingTimeModel, backlog: Backlog,
) -> list[Forecast]:
    """A forecast for each open snapshot that has a due (legal, or the portal's)."""
    subjects = [
        Subject(received_at=s.case.received_at, rule=s.case.rule, events=s.reading.events,
                hours=s.case.hours, portal_due_at=s.case.portal_due_at, status=s.reading.status)
        for s in snaps
    ]
    kept = [(s, (due, left))
            for s, (due, left) in zip(snaps, due_and_left_many(subjects, calendar, as_of=as_of),
                                      strict=True)
            if due is not None and left is not None]
    if not kept:
        return []
    held_since = [(max(s.unit_since or s.case.received_at, s.case.received_at), as_of)
                  for s, _ in kept]
    consumed = LegalClock(calendar).consumed_flat([s for s, _ in kept], held_since)
    at_unit, now = consumed[0::2], consumed[1::2]
    units = [(s.case.agency, s.unit) for s, _ in kept]
    crowding = np.asarray(_crowding(backlog, units, [h[0] for h in held_since]), dtype=np.int64)
    p_ids, a_ids, u_ids = model.ids_many([(s.case.procedure, s.case.agency, s.unit)
                                          for s, _ in kept])
    left = np.fromiter((float(r[1] or 0) for _, r in kept), np.float64, len(kept))
    held_at_unit = now - at_unit
    predicted = model.predict_arrays(p_ids, a_ids, u_ids, now, held_at_unit, left, crowding)
    finish_at = _advance(calendar, as_of, [s.case.hours for s, _ in kept],
                         predicted.median_remaining)
    now_at = {key: int(backlog.count(key, [as_of])[0]) for key in set(units)}
    stays = {key: model.stay_of(*key) for key in {(s.case.procedure, s.unit) for s, _ in kept}}
    probability = [round(p, 4) for p in predicted.probability_late.tolist()]
    held = held_at_unit.tolist()
    lefts = left.tolist()
    medians = predicted.median_remaining.tolist()
    samples = predicted.samples.tolist()
    out = []
    for k, (snap, (due_at, _)) in enumerate(kept):
        assert due_at is not None
        case = snap.case
        out.append(Forecast(
            code=case.code, agency=case.agency, procedure=case.procedure, unit=snap.unit,
            probability_late=probability[k], expected_finish_at=finish_at[k],
            due_at=due_at, working_hours_left=round(lefts[k], 2), samples=samples[k],
            typical_stay=stays[(case.procedure, snap.unit)], held_hours=held[k],
            hours_left=lefts[k], median_remaining=medians[k],
            unit_backlog=now_at[(case.agency, snap.unit)],
        ))
    return out


def _advance(
    calendar: CivilServiceCalendar, as_of: datetime, schedules: Sequence[OfficeHoursSchedule],
    hours: np.ndarray,
) -> list[datetime]:
    """`as_of` plus each median, on the working clock of each dossier's office hours."""
    out: list[datetime] = [as_of] * len(schedules)
    for schedule, members in by_schedule(schedules).items():
        clock = working_clock(calendar, schedule)
        amount = np.round(hours[members] * US_PER_HOUR).astype(np.int64)
        horizon = int(np.max(amount, initial=0) // (US_PER_HOUR * 8 * 200)) + 2
        index = clock.index(max(as_of.year - 1, MIN_YEAR), min(as_of.year + horizon, MAX_YEAR))
        start = np.full(len(members), to_us(as_of), dtype=np.int64)
        try:
            finished = index.advance(start, amount)
        except OutOfIndexRange:  # past the clock's last year: no finish to promise
            finished = np.full(len(members), to_us(as_of), dtype=np.int64)
        for k, value in zip(members, finished, strict=True):
            out[k] = from_us(int(value))
    return out
