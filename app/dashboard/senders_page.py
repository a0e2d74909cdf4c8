"""`/giam-sat/he-thong-gui`: the sending systems an admin registered, with their traffic, and
forms to register (credentials shown once, on the answer page) and revoke one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.api.deps import SessionDep
from app.auth.principal import Principal
from app.auth.session_cookie import CSRF_FIELD
from app.core.clock import utcnow
from app.dashboard.access import Supervisor, check_csrf, page_context
from app.dashboard.errors import PageError, page_errors
from app.dashboard.templating import render
from app.senders import service
from app.senders.service import Credentials

router = APIRouter(prefix="/giam-sat/he-thong-gui", include_in_schema=False)
PATH = "/giam-sat/he-thong-gui"
CsrfForm = Annotated[str | None, Form(alias=CSRF_FIELD)]
TextForm = Annotated[str, Form(max_length=64)]


def _admin(principal: Principal) -> None:
    if not principal.has_role("admin"):
        raise PageError(403, "Chỉ quản trị viên quản lý các hệ thống gửi dữ liệu.")


def _page(request: Request, session: SessionDep, principal: Principal,
          credentials: Credentials | None = None, message: str | None = None) -> Response:
    return render(
        request, "senders.html.j2",
        {
            **page_context(request, principal, "senders"),
            "senders": service.list_senders(session, utcnow()),
            "stats_days": service.STATS_DAYS,
            "credentials": credentials.to_dict() if credentials else None,
            "message": message,
        },
        # the credentials are shown once: no cache may keep them
        headers={"Cache-Control": "no-store"},
    )


@router.get("")
def senders_page(
    request: Request, session: SessionDep, principal: Supervisor, da: str | None = None
) -> Response:
    _admin(principal)
    message = f"Đã thu hồi quyền gửi của {da}." if da else None
    return _page(request, session, principal, message=message)


@router.post("")
def add_sender(
    request: Request, session: SessionDep, principal: Supervisor, name: TextForm = "",
    agency: TextForm = "", csrf: CsrfForm = None,
) -> Response:
    _admin(principal)
    check_csrf(request, session, csrf)  # before the fields: a forged form learns nothing
    with page_errors("Không đăng ký được hệ thống gửi."):
        credentials = service.add_sender(session, name.strip(), agency.strip() or None,
                                         utcnow())
    return _page(request, session, principal, credentials=credentials)


@router.post("/{name}/thu-hoi")
def revoke_sender(
    name: str, request: Request, session: SessionDep, principal: Supervisor,
    csrf: CsrfForm = None,
) -> Response:
    _admin(principal)
    check_csrf(request, session, csrf)
    with page_errors("Không thu hồi được hệ thống gửi."):
        service.revoke_sender(session, name, utcnow())
    return RedirectResponse(f"{PATH}?da={name}", status_code=303)
