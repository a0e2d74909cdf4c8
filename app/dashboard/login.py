"""`/login` and `/logout`: the supervisor signs in by pasting an API token.

The login form is itself protected against cross-site posting: GET /login puts a random nonce
in the form and, signed, in a short-lived cookie (double submit); POST /login accepts only the
pair. Attempts share the API login's rate limiter (per client address).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

from app.api.deps import SessionDep, SettingsDep
from app.auth.router import login_limiter
from app.auth.session_cookie import CSRF_FIELD, csrf_token, login, logout
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import TooManyRequests, Unauthorized
from app.dashboard.access import check_csrf
from app.dashboard.templating import render

router = APIRouter(include_in_schema=False)

LOGIN_NONCE_COOKIE = "tthc_login_nonce"
LOGIN_NONCE_MAX_AGE = 3600
DEFAULT_NEXT = "/giam-sat/qua-han"
_SALT = "tthc-dashboard-login"


def safe_next(value: str | None) -> str:
    """Only a local path: an absolute or protocol-relative URL would be an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return DEFAULT_NEXT


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SALT)


def _nonce_valid(request: Request, settings: Settings, presented: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_NONCE_COOKIE)
    if not cookie or not presented:
        return False
    try:
        expected = _serializer(settings).loads(cookie, max_age=LOGIN_NONCE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(expected, str) and hmac.compare_digest(expected, presented)


def _login_page(
    request: Request,
    settings: Settings,
    next_path: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html.j2",
        {"next_path": next_path, "nonce": nonce, "error": error, "csrf_field": CSRF_FIELD},
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    response.set_cookie(
        LOGIN_NONCE_COOKIE,
        _serializer(settings).dumps(nonce),
        max_age=LOGIN_NONCE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=settings.environment != "development",
        path="/login",
    )
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
    if not _nonce_valid(request, settings, nonce):
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
    response.delete_cookie(LOGIN_NONCE_COOKIE, path="/login")
    return response


@router.get("/logout")
def logout_page(request: Request) -> Response:
    """A confirmation form: signing out by a plain link would let any site sign you out."""
    token = csrf_token(request, utcnow())
    if token is None:
        return RedirectResponse("/", status_code=303)
    return render(request, "logout.html.j2", {"csrf": token, "csrf_field": CSRF_FIELD})


@router.post("/logout")
def logout_submit(
    request: Request,
    settings: SettingsDep,
    csrf: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    check_csrf(request, csrf)
    response = RedirectResponse("/", status_code=303)
    logout(response, settings)
    return response
