"""Steps: who held the dossier, and who made it late (DEADLINES.md §8). Pure: no database, no clock.

A progress record is one finished step: unit = PhongBanXuLy (else the dossier's agency),
end = ThoiDiemXuLy, start = NgayBatDau, else the previous step's end, else the clock start.
Due = NgayKetThucTheoQuyDinh when the sender gave it, else start + the allotment of the
catalogue step this unit performs, on the dossier's working clock. Pauses (§5) stop a step's
clock as they stop the dossier's: a catalogue due moves past each pause that begins before it,
and the citizen's time is never overrun (overrun = working time past the due on the step's own
clock, pauses removed). The open step runs from the last record to `as_of`, held by the next
unit of the process. The responsible agency of a late dossier is the unit of the step with the
largest overrun (ties: the earliest); a step done by another agency counts for that agency.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from app.deadlines.clock import WorkingClock, hours_of
from app.deadlines.index import US_PER_HOUR
from app.deadlines.result import DeadlineResult, PauseSpan
from app.deadlines.step_types import (
    UNKNOWN_UNIT,
    DueBasis,
    ProcessStep,
    Responsibility,
    StepClass,
    StepRecord,
    StepSpan,
    StepTimeline,
    classify_finished,
)

LATE_DOSSIER = frozenset({"late", "overdue"})
StartBasis = Literal["sender", "previous_step", "clock_start"]


@lru_cache(maxsize=8192)
def fold(name: str | None) -> str:
    """A unit name as matched: NFC, case-folded, spaces collapsed (a scan folds the same few
    unit names thousands of times: cached)."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


class _Process:
    """The catalogue steps, matched in process order: a unit listed for several steps (the desk
    receives and returns) performs the first of them at or after the last matched position."""

    def __init__(self, steps: Sequence[ProcessStep]) -> None:
        self.steps = tuple(steps)
        self._positions: dict[str, list[int]] = {}
        for position, step in enumerate(self.steps):
            for unit in step.units:
                self._positions.setdefault(fold(unit), []).append(position)

    @staticmethod
    @lru_cache(maxsize=512)
    def of(steps: tuple[ProcessStep, ...]) -> _Process:
        """One matcher per process, shared by every dossier that follows it."""
        return _Process(steps)

    def match(self, unit: str, after: int) -> int | None:
        positions = self._positions.get(fold(unit))
        if not positions:
            return None
        return next((p for p in positions if p >= after), positions[0])


@dataclass(frozen=True, slots=True)
class _Pauses:
    """The dossier's pauses as the engine counted them; an open pause ends at None."""

    spans: tuple[PauseSpan, ...]

    def inside(self, clock: WorkingClock, a: datetime, b: datetime) -> int:
        """Working microseconds of [a, b] the citizen held (closed or open pauses)."""
        total = 0
        for pause in self.spans:
            lo = max(a, pause.start)
            hi = b if pause.end is None else min(b, pause.end)
            if hi > lo:
                total += clock.working_between(lo, hi)
        return total

    def due_after(self, clock: WorkingClock, start: datetime, allotment_us: int) -> datetime | None:
        """start + allotment on the step's clock: each pause begun before the due moves it by
        its working time; an open one leaves it unknown (None) until it ends."""
        due = clock.advance(start, allotment_us)
        for pause in self.spans:
            if pause.end is not None and pause.end <= start:
                continue
            begun = max(pause.start, start)
            if begun >= due:
                break
            if pause.end is None:
                return None
            due = clock.advance(due, clock.working_between(begun, pause.end))
        return due


def allotment(step: ProcessStep | None, online: bool) -> Decimal | None:
    """A catalogue step's allotted working hours (its online ones for an online dossier)."""
    if step is None:
        return None
    if online and step.online_working_hours is not None:
        return step.online_working_hours
    return step.working_hours


@dataclass(frozen=True, slots=True)
class StepInputs:
    """What the steps need besides the records and the dossier's deadline result."""

    process: Sequence[ProcessStep]
    home_agency: str  # the dossier's DonViXuLy (the one-stop agency)
    agency_of_unit: Mapping[str, str]  # folded unit name -> agency it belongs to (other agencies)
    online: bool = False
    due_soon_hours: Decimal = Decimal(8)
    # the process's matcher, found once here rather than for every dossier's timeline (a
    # scan times tens of thousands of dossiers sharing a few StepInputs: hashing the
    # process's steps to look it up each time cost more than the look-up saved)
    matcher: _Process = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", _Process.of(tuple(self.process)))


def step_timeline(
    records: Sequence[StepRecord],
    result: DeadlineResult,
    clock: WorkingClock,
    inputs: StepInputs,
    *,
    open_only: bool = False,
) -> StepTimeline:
    """The §8 timeline of one dossier whose deadline `result` the engine computed.

    `records` are its progress records (senders' synthetic finishes already left out), in any
    order. `open_only` is the scan's path: no finished steps, no responsible agency, and the
    open step without its working, paused and overrun hours (left at 0): its unit, due, class
    and working time left only.
    """
    as_of = result.as_of
    ordered = sorted((r for r in records if r.at <= as_of), key=lambda r: (r.at, r.rank))
    process = inputs.matcher
    pauses = _Pauses(result.pauses)
    steps: list[StepSpan] = []
    cursor, previous_end = 0, None
    last_match: int | None = None
    for n, record in enumerate(ordered):
        unit = record.unit.strip() if record.unit and record.unit.strip() else inputs.home_agency
        matched = last_match = process.match(unit, cursor)
        if matched is not None:
            cursor = matched
        basis: StartBasis
        if record.started_at is not None:
            start, basis = record.started_at, "sender"
        elif previous_end is not None:
            start, basis = previous_end, "previous_step"
        else:
            start, basis = result.clock_started_at, "clock_start"
        previous_end = record.at
        if open_only:
            continue
        steps.append(_finished(n, record, unit, start, basis, matched, process, pauses, clock,
                               inputs))
    open_step = None
    if result.finished_at is None and result.classification not in ("excluded",):
        # held by the unit after the last one's in the process; unknown after an unlisted unit
        held = 0 if not ordered else (len(process.steps) if last_match is None else last_match + 1)
        open_step = _open(len(ordered), previous_end or result.clock_started_at,
                          "previous_step" if ordered else "clock_start", held, process, pauses,
                          clock, inputs, result, light=open_only)
    every = [*steps, *([open_step] if open_step else [])]
    responsible = None if open_only else _responsible(result, every, bool(ordered), inputs)
    return StepTimeline(tuple(steps), open_step, responsible)


def _agency(unit: str, step: ProcessStep | None, inputs: StepInputs) -> str:
    known = inputs.agency_of_unit.get(fold(unit))
    if known:
        return known
    if step is not None and step.agency:
        return step.agency
    return inputs.home_agency


def _finished(
    n: int,
    record: StepRecord,
    unit: str,
    start: datetime,
    basis: StartBasis,
    matched: int | None,
    process: _Process,
    pauses: _Pauses,
    clock: WorkingClock,
    inputs: StepInputs,
) -> StepSpan:
    step = process.steps[matched] if matched is not None else None
    allotted = allotment(step, inputs.online)
    due: datetime | None
    due_basis: DueBasis
    if record.due_at is not None:
        due, due_basis = record.due_at, "sender"
    elif allotted is not None:
        due = pauses.due_after(clock, start, int(allotted * US_PER_HOUR))
        due_basis = "catalogue"
    else:
        due, due_basis = None, "none"
    end = record.at
    span_us = max(clock.working_between(start, end), 0) if end > start else 0
    paused_us = pauses.inside(clock, start, end) if end > start else 0
    overrun_us = 0
    if due is not None and end > due:
        overrun_us = max(clock.working_between(due, end) - pauses.inside(clock, due, end), 0)
    agency = _agency(unit, step, inputs)
    return StepSpan(
        position=n, name=step.name if step else None, unit=unit, agency=agency,
        inter_agency=fold(agency) != fold(inputs.home_agency), started_at=start,
        start_basis=basis, due_at=due, due_basis=due_basis, allotted_hours=allotted,
        finished_at=end, status=record.status,
        classification=classify_finished(end, due), working_hours=hours_of(span_us - paused_us),
        paused_hours=hours_of(paused_us), overrun_working_hours=hours_of(overrun_us),
        working_hours_left=None,
    )


def _open(
    n: int,
    start: datetime,
    basis: StartBasis,
    held: int,
    process: _Process,
    pauses: _Pauses,
    clock: WorkingClock,
    inputs: StepInputs,
    result: DeadlineResult,
    *,
    light: bool = False,
) -> StepSpan:
    step = process.steps[held] if held < len(process.steps) else None
    allotted = allotment(step, inputs.online)
    now = result.as_of
    due = None
    if allotted is not None:
        due = pauses.due_after(clock, start, int(allotted * US_PER_HOUR))
    measured = result.paused_since if result.paused and result.paused_since else now
    measured = max(measured, start)
    paused_us = span_us = 0
    if now > start and not light:
        paused_us = pauses.inside(clock, start, now)
        span_us = max(clock.working_between(start, now), 0)
    left_us = overrun_us = 0
    if due is not None:
        left_us = clock.working_between(measured, due)
        if measured > due and not light:
            overrun_us = max(clock.working_between(due, measured) - pauses.inside(clock, due,
                                                                                   measured), 0)
    return open_span(n, start, basis, step, due, inputs, result, left_us=left_us,
                     span_us=span_us, paused_us=paused_us, overrun_us=overrun_us)


def open_span(
    n: int,
    start: datetime,
    basis: StartBasis,
    step: ProcessStep | None,
    due: datetime | None,
    inputs: StepInputs,
    result: DeadlineResult,
    *,
    left_us: int,
    span_us: int = 0,
    paused_us: int = 0,
    overrun_us: int = 0,
) -> StepSpan:
    """The open step held by catalogue `step` (None: a unit the process does not list) from
    `start`, its due and working times worked out: its unit, agency and class."""
    unit = step.units[0] if step is not None and step.units else UNKNOWN_UNIT
    agency = _agency(unit, step, inputs) if step is not None else inputs.home_agency
    allotted = allotment(step, inputs.online)
    classification: StepClass
    if result.paused:
        classification = "paused"
    elif due is None:
        classification = "no_due"
    elif result.as_of > due:
        classification = "overdue"
    elif left_us <= int(inputs.due_soon_hours * US_PER_HOUR):
        classification = "due_soon"
    else:
        classification = "in_time"
    return StepSpan(
        position=n, name=step.name if step else None, unit=unit, agency=agency,
        inter_agency=fold(agency) != fold(inputs.home_agency), started_at=start,
        start_basis=basis, due_at=due, due_basis="catalogue" if allotted is not None else "none",
        allotted_hours=allotted, finished_at=None, status=None, classification=classification,
        working_hours=hours_of(span_us - paused_us), paused_hours=hours_of(paused_us),
        overrun_working_hours=hours_of(overrun_us),
        working_hours_left=hours_of(left_us) if due is not None else None,
    )


def worst_step(steps: Sequence[StepSpan]) -> StepSpan | None:
    """The step with the largest overrun (ties: the earliest), or None when none overran."""
    overran = [s for s in steps if s.overrun_working_hours > 0]
    if not overran:
        return None
    worst = max(s.overrun_working_hours for s in overran)
    return next(s for s in overran if s.overrun_working_hours == worst)


def _responsible(
    result: DeadlineResult, steps: Sequence[StepSpan], any_record: bool, inputs: StepInputs
) -> Responsibility | None:
    """None while the dossier is not late; else the step with the largest overrun (ties: the
    earliest), or "unattributed" with the reason."""
    if result.classification not in LATE_DOSSIER:
        return None
    culprit = worst_step(steps)
    if culprit is not None:
        return Responsibility.of(culprit, inputs.home_agency)
    if not any_record:
        reason = "no_steps"
    elif any(s.due_at is None and s.classification != "paused" for s in steps):
        reason = "missing_allotments"
    else:
        reason = "no_step_overran"
    return Responsibility.unattributed(reason, inputs.home_agency)
