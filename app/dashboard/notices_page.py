"""`/giam-sat/phieu-xin-loi`: apology notices waiting for a supervisor, with approve and issue
buttons. Each button is a CSRF-protected form post calling the notices workflow service, which
checks the step, the scope and records who did it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.api.deps import SessionDep
from app.auth.session_cookie import CSRF_FIELD
from app.core.clock import utcnow
from app.dashboard.access import Supervisor, check_csrf, page_context
from app.dashboard.errors import page_errors
from app.dashboard.templating import render
from app.db.types import MAX_ROW_ID
from app.models import Notice
from app.notices import service
from app.notices.listing import list_notices
from app.notices.numbering import notice_number

router = APIRouter(prefix="/giam-sat/phieu-xin-loi", include_in_schema=False)

PATH = "/giam-sat/phieu-xin-loi"
PAGE_SIZE = 50
WAITING = ("draft", "approved")
DONE_MESSAGES = {
    "duyet": "Đã duyệt phiếu số {so}. Phiếu chờ phát hành.",
    "phat-hanh": "Đã phát hành phiếu số {so}: hồ sơ được hẹn lại ngày trả kết quả.",
}
Action = Callable[..., Notice]
NoticeId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("")
def notices_page(
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    da: Annotated[str | None, Query(max_length=20)] = None,
    so: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    with page_errors("Không đọc được danh sách phiếu xin lỗi."):
        page = list_notices(
            session, scope=principal.agency_ids, statuses=WAITING, cursor=cursor, limit=PAGE_SIZE
        )
    message = DONE_MESSAGES[da].format(so=so or "") if da in DONE_MESSAGES else None
    return render(
        request,
        "notices.html.j2",
        {
            **page_context(request, principal, "notices"),
            "items": page.items,
            "next_url": f"{PATH}?{urlencode({'cursor': page.next_cursor})}"
            if page.next_cursor
            else None,
            "first_page": cursor is None,
            "message": message,
            "now": utcnow(),
        },
    )


def _act(
    request: Request,
    session: Session,
    principal: Supervisor,
    notice_id: int,
    csrf: str | None,
    action: Action,
    done: str,
    failure: str,
) -> Response:
    check_csrf(request, session, csrf)
    now: datetime = utcnow()
    with page_errors(failure):
        notice = action(
            session, notice_id, now, actor=principal.name, scope=principal.agency_ids
        )
    query = urlencode({"da": done, "so": notice_number(notice)})
    return RedirectResponse(f"{PATH}?{query}", status_code=303)


CsrfForm = Annotated[str | None, Form(alias=CSRF_FIELD)]


@router.post("/{notice_id}/duyet")
def approve_notice(
    notice_id: NoticeId,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    csrf: CsrfForm = None,
) -> Response:
    return _act(
        request, session, principal, notice_id, csrf, service.approve, "duyet",
        "Không duyệt được phiếu xin lỗi.",
    )


@router.post("/{notice_id}/phat-hanh")
def issue_notice(
    notice_id: NoticeId,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    csrf: CsrfForm = None,
) -> Response:
    return _act(
        request, session, principal, notice_id, csrf, service.issue, "phat-hanh",
        "Không phát hành được phiếu xin lỗi.",
    )
