"""`/giam-sat/chat-luong-du-lieu`: what the sending systems get wrong, counted by sender and by
agency, with the dossiers that carry the most anomalies, so supervisors can take them to the
vendor. A supervisor sees their agencies' dossiers only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.api.deps import SessionDep
from app.dashboard.access import Supervisor, page_context
from app.dashboard.templating import render
from app.quality import service

router = APIRouter(prefix="/giam-sat", include_in_schema=False)


@router.get("/chat-luong-du-lieu")
def quality_page(request: Request, session: SessionDep, principal: Supervisor) -> Response:
    return render(
        request, "quality.html.j2",
        {
            **page_context(request, principal, "quality"),
            "report": service.report(session, principal.agency_ids),
            "scoped": principal.agency_ids is not None,
        },
    )
