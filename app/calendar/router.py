"""Calendar overrides over HTTP: admins change them, everyone with a token reads them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.calendar import service
from app.calendar.schemas import DayOut, OverrideChange, OverrideIn, OverrideOut
from app.core.clock import utcnow

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Viewer = Annotated[Principal, Depends(require_roles("viewer"))]


@router.get("/overrides", response_model=list[OverrideOut], summary="Calendar overrides")
def list_overrides(
    session: SessionDep,
    _principal: Viewer,
    year: Annotated[int | None, Query(ge=1, le=9998)] = None,
) -> list[OverrideOut]:
    start = date(year, 1, 1) if year else None
    end = date(year + 1, 1, 1) if year else None
    return [OverrideOut.model_validate(r) for r in service.list_overrides(session, start, end)]


@router.post(
    "/overrides", response_model=OverrideChange, status_code=201, summary="Add an override"
)
def add_override(body: OverrideIn, session: SessionDep, principal: Admin) -> OverrideChange:
    """Adds a day off or make-up working day; open dossiers' due times are recomputed."""
    row, changed = service.add_override(
        session,
        day=body.day,
        kind=body.kind,
        reason=body.reason,
        source=body.source,
        created_by=principal.name,
        now=utcnow(),
    )
    return OverrideChange(override=OverrideOut.model_validate(row), recomputed_dossiers=changed)


@router.delete("/overrides/{day}", response_model=OverrideChange, summary="Remove an override")
def remove_override(day: date, session: SessionDep, _principal: Admin) -> OverrideChange:
    row, changed = service.remove_override(session, day, utcnow())
    return OverrideChange(override=OverrideOut.model_validate(row), recomputed_dossiers=changed)


@router.get("/days", response_model=list[DayOut], summary="Working days between two dates")
def days(
    session: SessionDep,
    _principal: Viewer,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to", description="inclusive")],
) -> list[DayOut]:
    return [DayOut(**info.to_dict()) for info in service.days(session, start, end)]
