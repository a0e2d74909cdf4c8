"""A dossier as it stood at an instant, rebuilt from its stored steps (pure: no database).

Everything after `as_of` is ignored — later steps, a finish or a return stamped later — so a
forecast made "as of last March" sees only what was known last March; that is what makes a
backtest honest. Steps are read by `app.dossiers.step_reading` (senders' quirks included),
exactly as the deadline bridge reads them.

Working time here is the *legal* clock's: working hours on the civil-service calendar from the
clock start, without the spans the dossier waited for the applicant (DEADLINES.md §5). A
dossier ends late when its legal time consumed at the finish exceeds its processing time, so
remaining legal time against legal time left is the one comparison the forecast needs, whatever
pauses come later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from app.deadlines import OfficeHoursSchedule, ProcedureRule, working_clock
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.events import build_timeline
from app.deadlines.index import US_PER_HOUR, from_us, to_us
from app.deadlines.status import EXCLUDED, FINISHED, KNOWN, S
from app.deadlines.status import PAUSING as PAUSED
from app.deadlines.store.steps import StepReading, read_steps

NO_UNIT = "(chưa rõ bộ phận)"


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    status: int
    unit: str | None  # PhongBanXuLy as the sender wrote it
    content: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One stored dossier with everything the forecast may read of it."""

    code: str
    procedure: str
    agency: str
    received_at: datetime
    rule: ProcedureRule
    hours: OfficeHoursSchedule
    steps: tuple[Step, ...]
    status: int  # as stored now: read only through the steps known at an instant
    finished_at: datetime | None = None
    returned_at: datetime | None = None
    portal_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Known:
    """What `read_steps` reads of the dossier, as known at the instant."""

    status: int
    received_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    case: Case
    as_of: datetime
    reading: StepReading
    state: str  # "open", "paused", "finished", "excluded", "not_received"
    unit: str
    unit_since: datetime | None  # when the dossier reached its current unit


def _upto(value: datetime | None, as_of: datetime) -> datetime | None:
    return value if value is not None and value <= as_of else None


#: What a snapshot depends on besides `as_of`: the case, how many of its steps are known, and
#: whether its receipt, finish and return are. A backtest replays many instants over the same
#: cases; most of them look the same at consecutive instants.
SnapshotCache = dict[tuple[str, int, bool, bool, bool], Snapshot]


def snapshot(case: Case, as_of: datetime, cache: SnapshotCache | None = None) -> Snapshot:
    """`case` as known at `as_of`."""
    steps = [s for s in case.steps if s.at <= as_of]
    finished, returned = _upto(case.finished_at, as_of), _upto(case.returned_at, as_of)
    key = (case.code, len(steps), finished is not None, returned is not None,
           case.received_at <= as_of)
    if cache is not None and key in cache:
        known = cache[key]
        return Snapshot(case, as_of, known.reading, known.state, known.unit, known.unit_since)
    made = _snapshot(case, as_of, steps, finished, returned)
    if cache is not None:
        cache[key] = made
    return made


def _snapshot(case: Case, as_of: datetime, steps: list[Step], finished: datetime | None,
              returned: datetime | None) -> Snapshot:
    # The stored status is today's; at `as_of` only the last known step says it.
    coded = [s for s in steps if s.status in KNOWN]
    status = coded[-1].status if coded else S.ACCEPTED
    if finished is not None or returned is not None:
        status = S.RETURNED if returned is not None and finished is None else S.FINISHED
    reading = read_steps(_Known(status, case.received_at, finished, returned), steps)
    if case.received_at > as_of:
        state = "not_received"
    elif reading.finished_at or reading.returned_at or reading.status in FINISHED:
        state = "finished"
    elif reading.status in EXCLUDED:
        state = "excluded"
    elif reading.events and reading.events[-1].status in PAUSED:
        state = "paused"
    else:
        state = "open"
    unit, since = NO_UNIT, None
    for step in steps:
        if step.status in FINISHED or not step.unit:
            continue
        if step.unit != unit:
            unit, since = step.unit, step.at
    return Snapshot(case, as_of, reading, state, unit, since)


def finish_of(snap: Snapshot) -> datetime | None:
    """When the dossier finished, if that was known at the snapshot's instant."""
    if snap.state != "finished":
        return None
    reading = snap.reading
    candidates = [t for t in (reading.finished_at, reading.returned_at) if t is not None]
    candidates += [e.at for e in reading.events if e.status in FINISHED]
    return min(candidates) if candidates else None


class LegalClock:
    """Legal working hours consumed since the clock start, for many instants of many dossiers.

    `consumed_hours` takes every dossier's instants at once and finds every working-time
    position with one array operation per office-hours schedule."""

    def __init__(self, calendar: CivilServiceCalendar) -> None:
        self.calendar = calendar

    def consumed_hours(
        self, snaps: Sequence[Snapshot], instants: Sequence[Sequence[datetime]]
    ) -> list[list[float]]:
        """For each snapshot, legal working hours consumed at each of its instants (each
        instant at or before the snapshot's `as_of`)."""
        out: list[list[float]] = [[] for _ in snaps]
        groups: dict[OfficeHoursSchedule, list[int]] = {}
        for k, snap in enumerate(snaps):
            groups.setdefault(snap.case.hours, []).append(k)
        for schedule, members in groups.items():
            self._resolve(schedule, snaps, instants, members, out)
        return out

    def _resolve(
        self,
        schedule: OfficeHoursSchedule,
        snaps: Sequence[Snapshot],
        instants: Sequence[Sequence[datetime]],
        members: list[int],
        out: list[list[float]],
    ) -> None:
        clock = working_clock(self.calendar, schedule)
        flat: list[int] = []
        layout: list[tuple[int, int, int, list[tuple[int, int]]]] = []
        for k in members:
            snap = snaps[k]
            cutoff = snap.case.rule.cutoff
            start = to_us(clock.clock_start(snap.case.received_at, cutoff))
            timeline = build_timeline(snap.reading.events, as_of=snap.as_of.astimezone(UTC))
            base = len(flat)
            flat.append(start)
            flat.extend(to_us(t) for t in instants[k])
            pauses: list[tuple[int, int]] = []
            for pause in timeline.pauses:
                flat.append(to_us(pause.start))
                flat.append(to_us(pause.end if pause.end is not None else snap.as_of))
                pauses.append((len(flat) - 2, len(flat) - 1))
            layout.append((k, base, len(instants[k]), pauses))
        if not flat:
            return
        values = np.asarray(flat, dtype=np.int64)
        first, last = (from_us(int(v)).year for v in (values.min(), values.max()))
        index = clock.index(max(first - 1, MIN_YEAR), min(last + 1, MAX_YEAR))
        elapsed = index.elapsed(values)
        for k, base, count, pauses in layout:
            origin = int(elapsed[base])
            spans = [(int(elapsed[a]), int(elapsed[b])) for a, b in pauses]
            row = []
            for j in range(count):
                position = int(elapsed[base + 1 + j])
                waited = sum(max(0, min(b, position) - max(a, origin)) for a, b in spans)
                row.append(max(0, position - origin - waited) / US_PER_HOUR)
            out[k] = row
