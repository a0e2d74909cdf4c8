"""Stored dossiers into the step engine (DEADLINES.md §8): their progress records, the internal
process their agency works by, and which units are other agencies.

One `StepContext` per scan or page (the agencies and processes loaded once), then
`timelines()` for many dossiers at a time; `open_only` skips the finished steps' arithmetic
when only the open step matters (the scan).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from app.deadlines import DeadlineResult, WorkingClock, working_clock
from app.deadlines.open_steps import open_steps_from_start
from app.deadlines.step_types import StepRecord, StepSpan, StepTimeline
from app.deadlines.steps import StepInputs, fold, step_timeline
from app.deadlines.store import processes, repository
from app.deadlines.store.open_rows import ReadDossier
from app.deadlines.store.processes import ProcessFinder, finder
from app.deadlines.store.steps import is_synthetic_finish
from app.deadlines.store.sync import DeadlineContext
from app.models import Dossier, DossierEvent

ONLINE_CHANNEL = 2


@dataclass(frozen=True)
class StepContext:
    deadlines: DeadlineContext
    agency_names: Mapping[int, str]  # agency id -> name (the dossier's DonViXuLy)
    other_agencies: Mapping[str, str]  # folded agency name or code -> that agency's name
    processes: ProcessFinder
    _clocks: dict[int, WorkingClock] = field(default_factory=dict)
    _inputs: dict[tuple[int, int, bool], StepInputs] = field(default_factory=dict)

    def clock_for(self, agency_id: int) -> WorkingClock:
        clock = self._clocks.get(agency_id)
        if clock is None:
            clock = self._clocks[agency_id] = working_clock(
                self.deadlines.calendar, self.deadlines.schedule_for(agency_id))
        return clock

    def inputs_for(self, dossier: ReadDossier) -> StepInputs:
        """One StepInputs per (procedure, agency, online): a scan builds each once."""
        key = (dossier.procedure_id, dossier.agency_id, dossier.channel == ONLINE_CHANNEL)
        found = self._inputs.get(key)
        if found is None:
            found = self._inputs[key] = StepInputs(
                process=self.processes.for_dossier(dossier.procedure_id, dossier.agency_id),
                home_agency=self.agency_names.get(dossier.agency_id, str(dossier.agency_id)),
                # a unit naming the dossier's own agency resolves to it: not inter-agency
                agency_of_unit=self.other_agencies,
                online=key[2],
                due_soon_hours=Decimal(self.deadlines.due_soon_hours),
            )
        return found


def load_step_context(
    session: Session, deadlines: DeadlineContext, procedure_ids: Iterable[int] | None
) -> StepContext:
    """Agencies and processes (of these procedures; None: all of them, for a scan)."""
    names = processes.agency_names(session)
    by_id = dict(processes.agency_ids_names(session))
    return StepContext(
        deadlines=deadlines,
        agency_names=by_id,
        other_agencies={fold(k): v for k, v in names.items()},
        processes=finder(session, None if procedure_ids is None else set(procedure_ids)),
    )


def kept_events(dossier: ReadDossier, events: Iterable[DossierEvent]) -> list[DossierEvent]:
    """The progress records that are steps: senders' made-up finishes are not (step_reading)."""
    return [e for e in events if not is_synthetic_finish(e.status, e.content, e.at,
                                                         dossier.status, dossier.received_at)]


def step_record(event: DossierEvent) -> StepRecord:
    return StepRecord(at=event.at, status=event.status or None, unit=event.department,
                      started_at=event.step_started_at, due_at=event.step_due_at)


def step_records(dossier: ReadDossier, events: Iterable[DossierEvent]) -> list[StepRecord]:
    return [step_record(e) for e in kept_events(dossier, events)]


def officers_by_position(dossier: Dossier, events: Iterable[DossierEvent]) -> dict[int, str]:
    """Step position -> the officer who did it (NguoiXuLy: personal data, for form 06 only),
    in the engine's order of records."""
    pairs = [(step_record(e), e) for e in kept_events(dossier, events)]
    pairs.sort(key=lambda pair: (pair[0].at, pair[0].rank))
    return {n: e.officer for n, (_, e) in enumerate(pairs) if e.officer}


def timeline_of(
    dossier: ReadDossier,
    events: Iterable[DossierEvent],
    result: DeadlineResult,
    context: StepContext,
    *,
    open_only: bool = False,
) -> StepTimeline:
    return step_timeline(step_records(dossier, events), result,
                         context.clock_for(dossier.agency_id), context.inputs_for(dossier),
                         open_only=open_only)


def open_steps_without_records(
    dossiers: Sequence[ReadDossier], results: Sequence[DeadlineResult], context: StepContext
) -> list[StepSpan]:
    """`timeline_of(dossier, (), result, context, open_only=True).open_step` of dossiers with
    no progress record whose results pass `open_steps.without_records`, computed together."""
    return open_steps_from_start([
        (result, context.clock_for(dossier.agency_id), context.inputs_for(dossier))
        for dossier, result in zip(dossiers, results, strict=True)
    ])


def timelines(
    session: Session,
    dossiers: Sequence[Dossier],
    results: Sequence[DeadlineResult],
    context: StepContext,
    *,
    open_only: bool = False,
) -> list[StepTimeline]:
    """Each dossier's steps, its deadline result given (one query for all their records)."""
    by_dossier: dict[int, list[DossierEvent]] = defaultdict(list)
    for event in repository.events_for(session, [d.id for d in dossiers]):
        by_dossier[event.dossier_id].append(event)
    return [timeline_of(d, by_dossier.get(d.id, ()), r, context, open_only=open_only)
            for d, r in zip(dossiers, results, strict=True)]


def timeline_for_state(
    session: Session, dossier: Dossier, events: Sequence[DossierEvent], result: DeadlineResult,
    deadlines: DeadlineContext,
) -> StepTimeline:
    """One dossier's steps (the dossier page, `tthc dossier show/explain`)."""
    context = load_step_context(session, deadlines, [dossier.procedure_id])
    return timeline_of(dossier, events, result, context)
