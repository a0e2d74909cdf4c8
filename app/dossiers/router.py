"""Supervisors' dossier API: overdue and due-soon lists, and one dossier in detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.agencies.service import narrow_scope
from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.core.clock import LOCAL_TZ, utcnow
from app.core.errors import ValidationFailed
from app.core.privacy import masked_id_numbers
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.dossiers import service, step_views
from app.dossiers.lists import ListFilters, ListKind
from app.dossiers.schemas import (
    AnomalyOut,
    ApplicantOut,
    DossierDetail,
    TimelineEntry,
    WorkListEntry,
    WorkListPage,
)
from app.dossiers.service import WorkListItem

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])
Viewer = Annotated[Principal, Depends(require_roles("viewer"))]


def _instant(as_of: datetime | None) -> datetime:
    if as_of is None:
        return utcnow()
    if not MIN_YEAR < as_of.year < MAX_YEAR:
        # The legal clock covers these years only (a year of margin for offsets and due times).
        raise ValidationFailed(f"as_of must fall within {MIN_YEAR + 1}–{MAX_YEAR - 1}")
    return as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=LOCAL_TZ)


def _entry(item: WorkListItem) -> WorkListEntry:
    d, p, a = item.row.dossier, item.row.procedure, item.row.agency
    assert d.due_at is not None
    return WorkListEntry(
        code=d.code,
        status=d.status,
        procedure_code=p.code,
        procedure_name=p.name,
        field_code=p.field_code,
        agency_code=a.code,
        agency_name=a.name,
        received_at=d.received_at,
        due_at=d.due_at,
        portal_due_at=d.portal_due_at,
        working_hours_late=round(float(item.working_hours_late), 2),
        appointment_mismatch=d.appointment_mismatch,
        reappointed_due_at=d.reappointed_due_at,
        late_without_apology=d.late_without_apology,
        escalated=d.escalated,
    )


AsOf = Annotated[
    datetime | None,
    Query(description="Instant to evaluate at (ISO 8601; no offset = Vietnamese local time)"),
]
AgencyQ = Annotated[str | None, Query(description="Agency code or name (with its children)")]
ProcedureQ = Annotated[str | None, Query(description="Procedure code (MaTTHC)")]
FieldQ = Annotated[str | None, Query(description="Field code (MaLinhVuc)")]
CursorQ = Annotated[str | None, Query(description="next_cursor of the previous page")]
LimitQ = Annotated[int, Query(ge=1, le=500)]


@dataclass(frozen=True)
class WorkListQuery:
    """The query string both work lists take (one dependency, so the two routes stay alike)."""

    as_of: AsOf = None
    agency: AgencyQ = None
    procedure: ProcedureQ = None
    field: FieldQ = None
    cursor: CursorQ = None
    limit: LimitQ = 50


WorkListParams = Annotated[WorkListQuery, Depends()]


def _work_list(
    kind: ListKind, session: SessionDep, principal: Principal, query: WorkListQuery
) -> WorkListPage:
    instant = _instant(query.as_of)
    filters = ListFilters(
        agency_ids=narrow_scope(session, principal.agency_ids, query.agency),
        procedure_code=query.procedure,
        field_code=query.field,
    )
    items, next_cursor = service.work_list(
        session, kind, instant, filters, query.cursor, query.limit
    )
    return WorkListPage(as_of=instant, items=[_entry(i) for i in items], next_cursor=next_cursor)


@router.get("/overdue", response_model=WorkListPage, summary="Open dossiers past their due")
def overdue(session: SessionDep, principal: Viewer, query: WorkListParams) -> WorkListPage:
    """Most late first; `working_hours_late` is how late in working hours."""
    return _work_list("overdue", session, principal, query)


@router.get("/due-soon", response_model=WorkListPage, summary="Open dossiers due within a day")
def due_soon(session: SessionDep, principal: Viewer, query: WorkListParams) -> WorkListPage:
    """Most urgent first; `working_hours_late` is negative: the working hours left."""
    return _work_list("due_soon", session, principal, query)


# `:path`: a dossier code may contain "/" (sent percent-encoded as %2F)
@router.get("/{code:path}", response_model=DossierDetail, summary="One dossier with its timeline")
def detail(code: str, session: SessionDep, principal: Viewer, as_of: AsOf = None) -> DossierDetail:
    view = service.detail(
        session, code, _instant(as_of), principal.agency_ids,
        with_applicant=principal.has_role("supervisor"),
    )
    state, explanation, agency, row = view.state, view.explanation, view.agency, view.applicant
    d = state.dossier
    applicant = None
    if row is not None:
        applicant = ApplicantOut(
            name=row.name, phone=row.phone, email=row.email,
            id_numbers=masked_id_numbers(row.id_numbers),
        )
    procedure = state.procedure
    return DossierDetail(
        code=d.code,
        status=d.status,
        summary=d.summary,
        channel=d.channel,
        result_by_post=d.result_by_post,
        legal_basis=d.legal_basis,
        procedure_code=procedure.code if procedure else "",
        procedure_name=procedure.name if procedure else "",
        procedure_in_catalogue=bool(procedure and procedure.in_catalogue),
        agency_code=agency.code,
        agency_name=agency.name,
        received_at=d.received_at,
        finished_at=d.finished_at,
        returned_at=d.returned_at,
        state={**service.state_summary(state), **step_views.steps_summary(view.steps)},
        explanation=explanation.to_dict(),
        explanation_text=explanation.to_text(),
        timeline=[
            TimelineEntry(at=e.at, status=e.status, content=e.content, department=e.department)
            for e in state.events
        ],
        applicant=applicant,
        anomalies=[AnomalyOut(code=a.code, message=a.message) for a in state.anomalies],
    )
