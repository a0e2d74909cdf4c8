"""`/api/v1/dossiers/at-risk`: open dossiers with their probability of finishing late.

Mounted before the dossiers router, whose `/{code:path}` would otherwise take "at-risk" for a
dossier code. Scoped like the overdue list: a token sees its agencies only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.agencies.service import narrow_scope
from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.dossiers.router import AgencyQ, AsOf, _instant
from app.forecast import service
from app.forecast.schemas import AtRiskEntry, AtRiskPage

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])
Viewer = Annotated[Principal, Depends(require_roles("viewer"))]


@router.get("/at-risk", response_model=AtRiskPage, summary="Open dossiers likely to end late")
def at_risk(
    session: SessionDep,
    principal: Viewer,
    as_of: AsOf = None,
    agency: AgencyQ = None,
    min_probability: Annotated[float, Query(ge=0, le=1)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    include_overdue: Annotated[bool, Query(description="Also dossiers already past their due "
                                           "(probability 1)")] = True,
) -> AtRiskPage:
    """Most likely late first. Learned from dossiers finished before `as_of`; forecast from
    what was known at `as_of` (later steps are ignored)."""
    instant = _instant(as_of)
    scope = narrow_scope(session, principal.agency_ids, agency)
    result = service.at_risk(session, instant, agency_ids=scope,
                             min_probability=min_probability, limit=limit,
                             include_overdue=include_overdue)
    return AtRiskPage(as_of=instant, open_dossiers=result.open_dossiers,
                      learned_from=result.learned_from,
                      items=[AtRiskEntry.of(f) for f in result.items])
