"""`/giam-sat/don-vi-xu-ly`: the unit league table (DEADLINES.md §8) — each processing unit's
steps finished in the period, early / on time / late against the internal process, best rate
first (small samples after), and the open steps each unit holds now. A supervisor sees their
agencies' dossiers only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.api.deps import SessionDep, SettingsDep
from app.core.clock import to_local, utcnow
from app.dashboard.access import Supervisor, page_context
from app.dashboard.templating import render
from app.models import Dossier, DossierStepState
from app.rates.grouping import Scope
from app.rates.service import local_day_start
from app.rates.units import unit_rates

router = APIRouter(prefix="/giam-sat", include_in_schema=False)


def holding(session: Session, scope: Scope) -> dict[tuple[str, str], tuple[int, int]]:
    """(agency, unit) -> (open steps held, of which overdue), as the last scan found them."""
    overdue = func.sum(case((DossierStepState.classification == "overdue", 1), else_=0))
    stmt = (select(DossierStepState.agency, DossierStepState.unit, func.count(), overdue)
            .join(Dossier, Dossier.id == DossierStepState.dossier_id)
            .group_by(DossierStepState.agency, DossierStepState.unit))
    if scope.agency_ids is not None:
        stmt = stmt.where(Dossier.agency_id.in_(sorted(scope.agency_ids)))
    return {(a, u): (int(n), int(late or 0)) for a, u, n, late in session.execute(stmt)}


@router.get("/don-vi-xu-ly")
def units_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: Supervisor,
    from_date: Annotated[date | None, Query(alias="from")] = None,
    to_date: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    today = to_local(utcnow()).date()
    first = from_date or today.replace(day=1)
    after = to_date or today + timedelta(days=1)
    scope = Scope(principal.agency_ids)
    rows = unit_rates(session, local_day_start(first), local_day_start(after), scope,
                      settings.small_sample_threshold)
    return render(
        request, "units.html.j2",
        {
            **page_context(request, principal, "units"),
            "rows": rows,
            "holding": holding(session, scope),
            "first": first,
            "last": after - timedelta(days=1),
            "one_day": timedelta(days=1),
            "small_sample": settings.small_sample_threshold,
            "scoped": principal.agency_ids is not None,
        },
    )
