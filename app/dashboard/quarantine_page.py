"""`/giam-sat/cach-ly`: records the ingest could not store, with the field and the reason.

An entry belongs to the agency its raw record names (DonViXuLy, or the madonvi of the envelope
that brought it) or to the agency of a stored dossier of the same code; a supervisor sees those
of their subtree, an admin sees every entry.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.api.deps import SessionDep
from app.dashboard import repository
from app.dashboard.access import Supervisor, page_context
from app.dashboard.templating import render
from app.ingest.reasons_vi import reason_vi

router = APIRouter(prefix="/giam-sat", include_in_schema=False)

PAGE_SIZE = 50
VALUE_CHARS = 120
StatusQ = Literal["open", "resolved", "all"]
STATUS_LABELS = {"open": "Chưa xử lý", "resolved": "Đã xử lý", "all": "Tất cả"}


@router.get("/cach-ly")
def quarantine(
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    status: Annotated[StatusQ, Query(alias="trang_thai")] = "open",
    page: Annotated[int, Query(alias="trang", ge=1, le=10_000)] = 1,
) -> Response:
    rows = repository.quarantine_page(
        session,
        None if status == "all" else status,
        principal.agency_ids,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    more = len(rows) > PAGE_SIZE
    return render(
        request,
        "quarantine.html.j2",
        {
            **page_context(request, principal, "quarantine"),
            "entries": rows[:PAGE_SIZE],
            "total": repository.quarantine_total(
                session, None if status == "all" else status, principal.agency_ids
            ),
            # stored in the parser's English (the API's vocabulary); people read Vietnamese
            "reason_vi": reason_vi,
            "status": status,
            "status_labels": STATUS_LABELS,
            "page": page,
            "prev_url": f"/giam-sat/cach-ly?{urlencode({'trang_thai': status, 'trang': page - 1})}"
            if page > 1
            else None,
            "next_url": f"/giam-sat/cach-ly?{urlencode({'trang_thai': status, 'trang': page + 1})}"
            if more
            else None,
            "value_chars": VALUE_CHARS,
            "scoped": principal.agency_ids is not None,
        },
    )
