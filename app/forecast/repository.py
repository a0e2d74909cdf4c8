"""SQL for the forecast: dossiers with their steps, as `Case`s, in two queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.deadlines import ProcedureRule
from app.deadlines.store.sync import DeadlineContext, procedure_rule
from app.forecast.history import Case, Step
from app.models import Agency, Dossier, DossierEvent, Procedure


def _relevant(since: datetime, as_of: datetime) -> ColumnElement[bool]:
    """Received by `as_of`, and either received since `since` (history to learn from) or not
    finished by `as_of` (an old dossier still open then)."""
    return and_(
        Dossier.received_at <= as_of,
        or_(Dossier.received_at >= since, Dossier.finished_at.is_(None),
            Dossier.finished_at > as_of),
    )


def agency_codes(session: Session, ids: Collection[int]) -> set[str]:
    return set(session.scalars(select(Agency.code).where(Agency.id.in_(list(ids)))))


def load_cases(
    session: Session, since: datetime, as_of: datetime, context: DeadlineContext
) -> list[Case]:
    """Every dossier `_relevant` at `as_of`, with all its stored steps (the caller reads only
    what was known at an instant: `history.snapshot`)."""
    where = _relevant(since, as_of)
    steps: dict[int, list[Step]] = defaultdict(list)
    events = session.execute(
        select(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.status,
               DossierEvent.department, DossierEvent.content)
        .join(Dossier, Dossier.id == DossierEvent.dossier_id)
        .where(where)
        .order_by(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.id)
    )
    for dossier_id, at, status, department, content in events:
        steps[dossier_id].append(Step(at, status, department, content))
    rows = session.execute(
        select(Dossier.id, Dossier.code, Dossier.agency_id, Dossier.received_at, Dossier.status,
               Dossier.finished_at, Dossier.returned_at, Dossier.portal_due_at, Procedure,
               Agency.code)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Agency, Agency.id == Dossier.agency_id)
        .where(where)
        .order_by(Dossier.id)
    )
    rules: dict[int, ProcedureRule] = {}  # one rule per procedure, not per dossier
    cases = []
    for d_id, code, agency_id, received, status, finished, returned, portal, proc, agency in rows:
        if proc.id not in rules:
            rules[proc.id] = procedure_rule(proc)
        cases.append(Case(
            code=code, procedure=proc.code, agency=agency, received_at=received,
            rule=rules[proc.id], hours=context.schedule_for(agency_id),
            steps=tuple(steps.get(d_id, ())), status=status, finished_at=finished,
            returned_at=returned, portal_due_at=portal,
        ))
    return cases
