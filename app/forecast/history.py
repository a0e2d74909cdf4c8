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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

import numpy as np
import numpy.typing as npt

from app.deadlines import OfficeHoursSchedule, ProcedureRule, working_clock
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.events import build_timeline
from app.deadlines.index import US_PER_HOUR, from_us, to_us
from app.deadlines.status import EXCLUDED, FINISHED, KNOWN, S
from app.deadlines.status import PAUSING as PAUSED
from app.deadlines.store.steps import StepReading, read_steps

NO_UNIT = "(chưa rõ bộ phận)"
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
_FAR_US = 2**62  # beyond any instant: the minimum of no pause bounds


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
    if cache is None:
        return _snapshot(case, as_of, steps, finished, returned)
    key = (case.code, len(steps), finished is not None, returned is not None,
           case.received_at <= as_of)
    known = cache.get(key)
    if known is not None:
        return Snapshot(case, as_of, known.reading, known.state, known.unit, known.unit_since)
    made = cache[key] = _snapshot(case, as_of, steps, finished, returned)
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


def by_schedule(schedules: Sequence[OfficeHoursSchedule]) -> dict[OfficeHoursSchedule, list[int]]:
    """Positions of each office-hours schedule, in order. Dossiers share a handful of schedule
    objects: grouping by identity first spares hashing a dataclass per dossier."""
    seen: dict[int, tuple[OfficeHoursSchedule, list[int]]] = {}
    for k, schedule in enumerate(schedules):
        found = seen.get(id(schedule))
        if found is None:
            found = seen[id(schedule)] = (schedule, [])
        found[1].append(k)
    groups: dict[OfficeHoursSchedule, list[int]] = {}
    for schedule, members in seen.values():
        groups.setdefault(schedule, []).extend(members)
    return {schedule: sorted(members) for schedule, members in groups.items()}


def micros(instants: Iterable[datetime]) -> Iterator[int]:
    """`to_us` of each instant; a run of the same instant object (`as_of`) is converted once."""
    last: datetime | None = None
    value = 0
    for instant in instants:
        if instant is not last:
            last, value = instant, to_us(instant)
        yield value


class LegalClock:
    """Legal working hours consumed since the clock start, for many instants of many dossiers.

    Every dossier's clock start and every instant become working-time positions with one array
    operation per office-hours schedule and cut-off; only the few dossiers that waited for the
    applicant take a Python loop (their pauses are taken out)."""

    def __init__(self, calendar: CivilServiceCalendar) -> None:
        self.calendar = calendar

    def consumed_hours(
        self, snaps: Sequence[Snapshot], instants: Sequence[Sequence[datetime]]
    ) -> list[list[float]]:
        """For each snapshot, legal working hours consumed at each of its instants (each
        instant at or before the snapshot's `as_of`)."""
        flat = self.consumed_flat(snaps, instants)
        out: list[list[float]] = []
        position = 0
        for times in instants:
            out.append(flat[position:position + len(times)].tolist())
            position += len(times)
        return out

    def consumed_flat(
        self, snaps: Sequence[Snapshot], instants: Sequence[Sequence[datetime]]
    ) -> F64:
        """`consumed_hours`, flattened in order (snapshot by snapshot, instant by instant)."""
        counts = np.fromiter((len(times) for times in instants), np.int64, len(instants))
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        out = np.zeros(int(offsets[-1]), dtype=np.float64)
        for schedule, members in by_schedule([s.case.hours for s in snaps]).items():
            self._resolve(schedule, snaps, instants, members, offsets, out)
        return out

    def _resolve(
        self,
        schedule: OfficeHoursSchedule,
        snaps: Sequence[Snapshot],
        instants: Sequence[Sequence[datetime]],
        members: list[int],
        offsets: I64,
        out: F64,
    ) -> None:
        clock = working_clock(self.calendar, schedule)
        received = np.fromiter((to_us(snaps[k].case.received_at) for k in members), np.int64,
                               len(members))
        counts = offsets[np.asarray(members) + 1] - offsets[members]
        flat = np.fromiter(micros(t for k in members for t in instants[k]), np.int64,
                           int(counts.sum()))
        if len(flat) == 0:
            return
        # (member position, pause bounds as positions in `bounds`): only dossiers that waited
        waits: list[tuple[int, list[tuple[int, int]]]] = []
        bounds: list[int] = []
        for j, k in enumerate(members):
            snap = snaps[k]
            if not any(e.status in PAUSED for e in snap.reading.events):
                continue
            timeline = build_timeline(snap.reading.events, as_of=snap.as_of.astimezone(UTC))
            spans = []
            for pause in timeline.pauses:
                bounds.append(to_us(pause.start))
                bounds.append(to_us(pause.end if pause.end is not None else snap.as_of))
                spans.append((len(bounds) - 2, len(bounds) - 1))
            waits.append((j, spans))
        lowest = min(int(received.min()), int(flat.min()), min(bounds, default=_FAR_US))
        highest = max(int(received.max()), int(flat.max()), max(bounds, default=0))
        first, last = from_us(lowest).year, from_us(highest).year
        index = clock.index(max(first - 1, MIN_YEAR), min(last + 1, MAX_YEAR))
        starts = np.empty(len(members), dtype=np.int64)
        by_cutoff: dict[time | None, list[int]] = {}
        for j, k in enumerate(members):
            by_cutoff.setdefault(snaps[k].case.rule.cutoff, []).append(j)
        for cutoff, js in by_cutoff.items():
            starts[js] = index.clock_start(received[js], cutoff)
        origin = index.elapsed(starts)
        position = index.elapsed(flat)
        consumed = position - np.repeat(origin, counts)
        first_of = np.concatenate(([0], np.cumsum(counts)[:-1]))  # each member's first row
        if waits:
            paused = index.elapsed(np.asarray(bounds, dtype=np.int64))
            for j, spans in waits:
                o = int(origin[j])
                edges = [(int(paused[a]), int(paused[b])) for a, b in spans]
                for i in range(int(first_of[j]), int(first_of[j] + counts[j])):
                    p = int(position[i])
                    consumed[i] -= sum(max(0, min(b, p) - max(a, o)) for a, b in edges)
        hours = np.maximum(consumed, 0) / US_PER_HOUR
        # where each member's instants go in `out`: its offset, then consecutive
        shift = np.repeat(offsets[members] - first_of, counts)
        out[np.arange(len(hours)) + shift] = hours
