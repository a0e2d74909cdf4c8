"""`/giam-sat/thu-tuc/{procedure_code}`: one procedure as the catalogue gave it and as it was read.

A supervisor checks here the legal processing time behind every due date: the reading with the
phrase it came from, the cut-off hour and its phrase, the named exceptions, or — when the text
was listed back — why, and every reading it allows. Calls the same service as
`GET /api/v1/procedures/{procedure_code}`; the dossier count is within the supervisor's agencies.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.deps import SessionDep
from app.dashboard.access import Supervisor, page_context
from app.dashboard.errors import page_errors
from app.dashboard.templating import render
from app.procedures import service
from app.procedures.schemas import ProcedureOut

router = APIRouter(prefix="/giam-sat", include_in_schema=False)


@router.get("/thu-tuc/{procedure_code}")
def procedure_detail(
    procedure_code: str, request: Request, session: SessionDep, principal: Supervisor
) -> Response:
    with page_errors(f"Không mở được thủ tục {procedure_code}."):
        view = service.get_procedure(session, procedure_code, principal.agency_ids)
    return render(
        request,
        "procedure.html.j2",
        {**page_context(request, principal, ""), "p": ProcedureOut.of(view)},
    )
