"""Login/logout for scripts (form posts answering JSON errors) and `GET /api/v1/auth/me`.

The dashboard's own forms are `/login` and `/logout` (app/dashboard/login.py); both pairs share
the rate limiter, the login nonce and the server-side session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.api.deps import SessionDep, SettingsDep
from app.auth.deps import CurrentPrincipal
from app.auth.login_nonce import clear_nonce, nonce_valid
from app.auth.schemas import PrincipalOut
from app.auth.session_cookie import CSRF_FIELD, csrf_token, login, logout, verify_csrf
from app.core.clock import utcnow
from app.core.errors import Forbidden
from app.core.ratelimit import RateLimiter

router = APIRouter(tags=["auth"])

LOGIN_RATE_PER_MINUTE = 10
LOGIN_BURST = 5


def login_limiter(request: Request) -> RateLimiter:
    """One limiter per application, created on first use."""
    limiter: RateLimiter | None = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = RateLimiter(LOGIN_RATE_PER_MINUTE, LOGIN_BURST)
        request.app.state.login_limiter = limiter
    return limiter


def _safe_next(value: str | None) -> str:
    # Only a local path: an absolute or protocol-relative URL would make this an open redirect.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.post("/auth/login", include_in_schema=False)
def login_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=200)],
    next_path: Annotated[str | None, Form(alias="next")] = None,
    nonce: Annotated[str | None, Form(alias=CSRF_FIELD, max_length=200)] = None,
) -> RedirectResponse:
    """Login CSRF: like the /login form, only with the nonce of GET /login and its cookie."""
    client = request.client.host if request.client else "unknown"
    login_limiter(request).check(f"login:{client}")
    if not nonce_valid(request, settings, nonce):
        raise Forbidden(
            f"login nonce missing or wrong: GET /login first, then post its {CSRF_FIELD} "
            "field with the cookie it sets"
        )
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    login(session, response, settings, token, utcnow())
    clear_nonce(response)
    return response


@router.post("/auth/logout", include_in_schema=False)
def logout_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> RedirectResponse:
    now = utcnow()
    verify_csrf(request, session, csrf, now)
    response = RedirectResponse("/", status_code=303)
    logout(request, session, response, settings, now)
    return response


@router.get("/api/v1/auth/me", response_model=PrincipalOut)
def me(request: Request, session: SessionDep, principal: CurrentPrincipal) -> PrincipalOut:
    cookie_session = "authorization" not in request.headers
    return PrincipalOut(
        token_id=principal.token_id,
        name=principal.name,
        role=principal.role,
        agency_id=principal.agency_id,
        agency_ids=sorted(principal.agency_ids) if principal.agency_ids is not None else None,
        csrf_token=csrf_token(request, session, utcnow()) if cookie_session else None,
    )
