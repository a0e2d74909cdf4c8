"""Who is looking at a supervisor page: the signed dashboard session, never a bearer header.

No session (or an expired or revoked one) redirects to /login; a viewer token gets a 403 page.
A supervisor sees their agency's subtree only (`Principal.agency_ids`); an admin sees all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.auth.principal import Principal
from app.auth.service import authenticate_token_id
from app.auth.session_cookie import CSRF_FIELD, read_session, verify_csrf
from app.core.clock import utcnow
from app.core.errors import Forbidden, Unauthorized
from app.dashboard.errors import LoginRequired, PageError


def _requested_path(request: Request) -> str:
    # the path as sent (still percent-encoded): a decoded "A%2FB" would come back as "A/B"
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    query = request.url.query
    return path + (f"?{query}" if query else "")


def dashboard_supervisor(request: Request, session: SessionDep) -> Principal:
    now = utcnow()
    current = read_session(request, session, now)
    if current is None:
        raise LoginRequired(_requested_path(request))
    try:
        principal = authenticate_token_id(session, current.token_id, now)
    except Unauthorized as exc:
        raise LoginRequired(_requested_path(request)) from exc
    if not principal.has_role("supervisor"):
        raise PageError(
            403,
            "Mã truy cập này chỉ có quyền xem; trang giám sát cần quyền giám sát.",
        )
    request.state.csrf_token = current.csrf_token
    return principal


Supervisor = Annotated[Principal, Depends(dashboard_supervisor)]


def check_csrf(request: Request, session: Session, form_value: str | None) -> None:
    """Refuse a supervisor form without the session's CSRF token (403 page)."""
    try:
        verify_csrf(request, session, form_value, utcnow())
    except Forbidden as exc:
        raise PageError(
            403,
            "Biểu mẫu đã hết hiệu lực hoặc không hợp lệ. Hãy tải lại trang rồi thử lại.",
            exc.reason,
        ) from exc


def page_context(request: Request, principal: Principal, active: str) -> dict[str, object]:
    """What the layout of every supervisor page needs."""
    return {
        "user": principal,
        "csrf": getattr(request.state, "csrf_token", None),
        "csrf_field": CSRF_FIELD,
        "active": active,
    }
