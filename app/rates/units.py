"""On-time rate by processing unit (DEADLINES.md §8): the steps finished in a period, counted per
unit and agency as dossiers are counted per agency (RATES.md): early / on time / late, the rate
(early + on time) / (steps with a due), steps without a due apart, small samples flagged.

Steps are computed from the stored records by the step engine, for the dossiers with a record in
the period, in batches (the same seam the dossier page uses).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deadlines.step_types import StepSpan
from app.deadlines.store import repository as dossier_repository
from app.deadlines.store.step_sync import StepContext, load_step_context, timeline_of
from app.deadlines.store.sync import evaluate_dossiers, load_context
from app.models import Dossier, DossierEvent
from app.rates.grouping import Scope
from app.rates.schemas import UnitRate

BATCH = 1000


@dataclass
class _Tally:
    inter_agency: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    overrun: Decimal = Decimal(0)

    def add(self, step: StepSpan) -> None:
        self.counts[step.classification] = self.counts.get(step.classification, 0) + 1
        self.overrun += step.overrun_working_hours
        self.inter_agency = self.inter_agency or step.inter_agency


def _dossier_ids(session: Session, start: datetime, end: datetime, scope: Scope) -> list[int]:
    stmt = (select(DossierEvent.dossier_id).join(Dossier, Dossier.id == DossierEvent.dossier_id)
            .where(DossierEvent.at >= start, DossierEvent.at < end).distinct())
    if scope.agency_ids is not None:
        stmt = stmt.where(Dossier.agency_id.in_(sorted(scope.agency_ids)))
    return sorted(session.scalars(stmt))


def finished_steps(
    session: Session, start: datetime, end: datetime, scope: Scope,
    context: StepContext | None = None,
) -> Iterator[tuple[Dossier, StepSpan]]:
    """Every step finished in [start, end) of the dossiers in `scope`, with its dossier. The
    dossiers are evaluated as of `end`: a finished step's figures never depend on later time."""
    deadlines = context.deadlines if context else load_context(session)
    context = context or load_step_context(session, deadlines, None)
    as_of = end
    ids = _dossier_ids(session, start, end, scope)
    for offset in range(0, len(ids), BATCH):
        part = ids[offset:offset + BATCH]
        dossiers = list(session.scalars(select(Dossier).where(Dossier.id.in_(part))
                                        .order_by(Dossier.id)))
        procedures = dossier_repository.procedures_by_id(session,
                                                         {d.procedure_id for d in dossiers})
        events: dict[int, list[DossierEvent]] = {d.id: [] for d in dossiers}
        for event in dossier_repository.events_for(session, part):
            events[event.dossier_id].append(event)
        results = evaluate_dossiers(
            [(d, procedures.get(d.procedure_id), events[d.id]) for d in dossiers], deadlines,
            as_of)
        for dossier, result in zip(dossiers, results, strict=True):
            for step in timeline_of(dossier, events[dossier.id], result, context).steps:
                if step.finished_at is not None and start <= step.finished_at < end:
                    yield dossier, step


def tally(steps: Sequence[StepSpan] | Iterator[StepSpan], small_sample: int) -> list[UnitRate]:
    """Per (agency, unit), best rate first; units without a due at the end."""
    tallies: dict[tuple[str, str], _Tally] = {}
    for step in steps:
        tallies.setdefault((step.agency, step.unit), _Tally()).add(step)
    rows = []
    for (agency, unit), t in tallies.items():
        early, on_time, late = (t.counts.get(k, 0) for k in ("early", "on_time", "late"))
        judged = early + on_time + late
        rows.append(UnitRate(
            unit=unit, agency=agency, inter_agency=t.inter_agency, steps=sum(t.counts.values()),
            early=early, on_time=on_time, late=late, no_due=t.counts.get("no_due", 0),
            on_time_rate=(early + on_time) / judged if judged else None,
            overrun_working_hours=float(t.overrun), small_sample=judged < small_sample,
        ))
    rows.sort(key=lambda r: (r.on_time_rate is None, r.small_sample, -(r.on_time_rate or 0),
                             -r.steps, r.agency, r.unit))
    return rows


def unit_rates(
    session: Session, start: datetime, end: datetime, scope: Scope, small_sample: int
) -> list[UnitRate]:
    """The on-time rate by processing unit for [start, end)."""
    return tally((s for _, s in finished_steps(session, start, end, scope)), small_sample)


def late_steps_by_unit(rows: Sequence[UnitRate]) -> list[UnitRate]:
    """The period report's table: units with late steps, most late steps first."""
    late = [r for r in rows if r.late]
    return sorted(late, key=lambda r: (-r.late, -r.overrun_working_hours, r.agency, r.unit))
