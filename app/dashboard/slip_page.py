"""`/giam-sat/phieu-kiem-soat?ma=CODE&dinh_dang=docx|pdf`: form 06 for one dossier, from the
dossier page; `/giam-sat/so-theo-doi?from=&to=`: form 07 (XLSX) for a period. The same scope
check as the page (`state_of` refuses another agency's dossier).
A query parameter rather than a path suffix: dossier codes may contain "/"."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.agencies import repository
from app.api.deps import SessionDep
from app.core.clock import utcnow
from app.dashboard.access import Supervisor
from app.dashboard.errors import page_errors
from app.deadlines.store.step_sync import officers_by_position
from app.deadlines.store.sync import load_context
from app.documents.slip import build_slip
from app.documents.slip_render import slip_docx, slip_pdf
from app.documents.tracking_book import book_lines, book_xlsx
from app.dossiers import service, step_views
from app.rates.router import XLSX_TYPE
from app.rates.service import check_period, local_day_start

router = APIRouter(prefix="/giam-sat", include_in_schema=False)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/phieu-kiem-soat")
def process_control_slip(
    session: SessionDep,
    principal: Supervisor,
    code: Annotated[str, Query(alias="ma", min_length=1, max_length=64)],
    kind: Annotated[Literal["docx", "pdf"], Query(alias="dinh_dang")] = "docx",
) -> Response:
    context = load_context(session)
    with page_errors(f"Không lập được phiếu kiểm soát của hồ sơ {code}."):
        state = service.state_of(session, code, utcnow(), principal.agency_ids, context)
    timeline = step_views.timeline_of_state(session, state, context)
    agency = repository.agency_of(session, state.dossier.agency_id)
    doc = build_slip(
        timeline, dossier_code=state.dossier.code,
        procedure_name=state.procedure.name if state.procedure else "",
        agency=agency.name, officers=officers_by_position(state.dossier, state.events),
    )
    safe = "".join(c if c.isalnum() or c in "-." else "_" for c in state.dossier.code)
    if kind == "pdf":
        with page_errors("Không in được PDF."):
            body, media = slip_pdf(doc), "application/pdf"
    else:
        body, media = slip_docx(doc), DOCX_TYPE
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="phieu-kiem-soat-{safe}.{kind}"'})


@router.get("/so-theo-doi")
def tracking_book(
    session: SessionDep,
    principal: Supervisor,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
) -> Response:
    """Form 07 for the dossiers received in [from, to) of the supervisor's agencies."""
    start, end = local_day_start(from_date), local_day_start(to_date)
    with page_errors("Không lập được sổ theo dõi."):
        check_period(start, end)
    lines = book_lines(session, start, end, principal.agency_ids, utcnow())
    name = f"so-theo-doi-{from_date.isoformat()}-{to_date.isoformat()}.xlsx"
    return Response(book_xlsx(lines, start, end), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
