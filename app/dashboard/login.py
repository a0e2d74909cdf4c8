"""`/login` and `/logout`: the supervisor signs in by pasting an API token.

The login form is itself protected against cross-site posting (`app/auth/login_nonce.py`).
Attempts share the API login's rate limiter (per client address). Logout ends the session in
the database, so a copy of the cookie dies with it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.api.deps import SessionDep, SettingsDep
from app.auth.login_nonce import clear_nonce, new_nonce, nonce_valid, remember_nonce
from app.auth.router import login_limiter
from app.auth.session_cookie import CSRF_FIELD, csrf_token, login, logout
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import TooManyRequests, Unauthorized
from app.dashboard.access import check_csrf
from app.dashboard.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_NEXT = "/giam-sat/qua-han"


def safe_next(value: str | None) -> str:
    """Only a local path: an absolute or protocol-relative URL would be an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return DEFAULT_NEXT


def _login_page(
    request: Request,
    settings: Settings,
    next_path: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    nonce = new_nonce()
    response = render(
        request,
        "login.html.j2",
        {"next_path": next_path, "nonce": nonce, "error": error, "csrf_field": CSRF_FIELD},
        status_code=status_code,
        headers=headers,
    )
    remember_nonce(response, settings, nonce)
    return response


@router.get("/login")
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    return _login_page(request, settings, safe_next(next))


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=200)] = "",
    next_path: Annotated[str | None, Form(alias="next")] = None,
    nonce: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    target = safe_next(next_path)
    if not nonce_valid(request, settings, nonce):
        return _login_page(
            request,
            settings,
            target,
            error="Biểu mẫu đăng nhập đã hết hạn hoặc không hợp lệ. Hãy nhập lại mã truy cập.",
            status_code=403,
        )
    client = request.client.host if request.client else "unknown"
    try:
        login_limiter(request).check(f"login:{client}")
    except TooManyRequests as exc:
        wait = exc.details.get("retry_after_seconds", 60)
        return _login_page(
            request,
            settings,
            target,
            error=f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {wait} giây.",
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    response = RedirectResponse(target, status_code=303)
    try:
        login(session, response, settings, token, utcnow())
    except Unauthorized:
        return _login_page(
            request,
            settings,
            target,
            error="Mã truy cập không đúng, đã bị thu hồi hoặc hết hiệu lực.",
            status_code=401,
        )
    clear_nonce(response)
    return response


@router.get("/logout")
def logout_page(request: Request, session: SessionDep) -> Response:
    """A confirmation form: signing out by a plain link would let any site sign you out."""
    token = csrf_token(request, session, utcnow())
    if token is None:
        return RedirectResponse("/", status_code=303)
    return render(request, "logout.html.j2", {"csrf": token, "csrf_field": CSRF_FIELD})


@router.post("/logout")
def logout_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    check_csrf(request, session, csrf)
    response = RedirectResponse("/", status_code=303)
    logout(request, session, response, settings, utcnow())
    return response
