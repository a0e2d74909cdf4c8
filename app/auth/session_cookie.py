"""The dashboard session cookie: a random secret naming a session row (`app/auth/sessions.py`).

The cookie never holds the bearer token, and since the session lives in the database, logout
and token revocation end it at once, on every replica, whatever copies of the cookie exist. It
is HttpOnly, SameSite=Lax, and Secure outside development. State-changing requests made with
the cookie carry the session's CSRF token: dashboard forms in the hidden `csrf_token` field
(`verify_csrf`), API calls in the `X-CSRF-Token` header (`app/auth/deps.py`).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Final

from fastapi import Request, Response
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.service import authenticate
from app.auth.sessions import (
    SESSION_LIFETIME,
    DashboardSession,
    end_session,
    find_session,
    open_session,
)
from app.core.config import Settings
from app.core.errors import Forbidden

SESSION_COOKIE: Final = "tthc_session"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
_STATE_KEY: Final = "dashboard_session"

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "DashboardSession",
    "csrf_matches",
    "csrf_token",
    "login",
    "logout",
    "read_session",
    "start_session",
    "verify_csrf",
]


def read_session(request: Request, session: Session, now: datetime) -> DashboardSession | None:
    """The live session of the request's cookie (looked up once per request)."""
    if hasattr(request.state, _STATE_KEY):
        cached: DashboardSession | None = getattr(request.state, _STATE_KEY)
        return cached
    cookie = request.cookies.get(SESSION_COOKIE)
    current = find_session(session, cookie, now) if cookie else None
    setattr(request.state, _STATE_KEY, current)
    return current


def _set_cookie(response: Response, settings: Settings, value: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
        path="/",
    )


def start_session(
    session: Session, response: Response, settings: Settings, token_id: int, now: datetime
) -> DashboardSession:
    opened = open_session(session, token_id, now)
    _set_cookie(response, settings, opened.secret, int(SESSION_LIFETIME.total_seconds()))
    return opened.session


def login(
    session: Session, response: Response, settings: Settings, token: str, now: datetime
) -> tuple[Principal, DashboardSession]:
    """Check a bearer token typed into a login form and open a dashboard session for it."""
    principal = authenticate(session, token.strip(), now)
    return principal, start_session(session, response, settings, principal.token_id, now)


def logout(
    request: Request, session: Session, response: Response, settings: Settings, now: datetime
) -> None:
    """End the request's session in the database and clear the browser's cookie."""
    current = read_session(request, session, now)
    if current is not None:
        end_session(session, current.id, now)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
    )


def csrf_token(request: Request, session: Session, now: datetime) -> str | None:
    """The CSRF token to put in a form's hidden `csrf_token` field (None: not logged in)."""
    current = read_session(request, session, now)
    return current.csrf_token if current else None


def csrf_matches(current: DashboardSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(current.csrf_token, presented or "")


def verify_csrf(
    request: Request, session: Session, form_value: str | None, now: datetime
) -> DashboardSession:
    """Refuse a form whose CSRF field does not match the session's token."""
    current = read_session(request, session, now)
    if current is None:
        raise Forbidden("no dashboard session; log in again")
    if not csrf_matches(current, form_value):
        raise Forbidden("CSRF token missing or wrong; reload the page and try again")
    return current
