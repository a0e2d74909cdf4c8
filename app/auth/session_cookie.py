"""The dashboard session: a signed cookie holding a token id, an expiry and a CSRF token.

The cookie never holds the bearer token itself, so a leaked cookie dies with its expiry or
with the token's revocation. It is signed with itsdangerous (settings.secret_key), HttpOnly,
SameSite=Lax, and Secure outside development. Dashboard forms carry the session's CSRF token
in a hidden field, checked by `verify_csrf`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.service import authenticate
from app.core.clock import utcnow
from app.core.config import Settings
from app.core.errors import Forbidden

SESSION_COOKIE = "tthc_session"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = timedelta(hours=12)
_SALT = "tthc-dashboard-session"


@dataclass(frozen=True, slots=True)
class DashboardSession:
    token_id: int
    csrf_token: str
    expires_at: datetime


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=_SALT)


def encode_session(settings: Settings, value: DashboardSession) -> str:
    payload = {
        "tid": value.token_id,
        "csrf": value.csrf_token,
        "exp": int(value.expires_at.timestamp()),
    }
    return _serializer(settings).dumps(payload)


def decode_session(settings: Settings, cookie: str, now: datetime) -> DashboardSession | None:
    """The session in a cookie, or None when it is tampered with, malformed or expired."""
    try:
        payload: Any = _serializer(settings).loads(cookie)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    tid, csrf, exp = payload.get("tid"), payload.get("csrf"), payload.get("exp")
    if not (isinstance(tid, int) and isinstance(csrf, str) and isinstance(exp, int)):
        return None
    expires_at = datetime.fromtimestamp(exp, UTC)
    if now >= expires_at:
        return None
    return DashboardSession(token_id=tid, csrf_token=csrf, expires_at=expires_at)


def read_session(request: Request, now: datetime) -> DashboardSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    settings: Settings = request.app.state.settings
    return decode_session(settings, cookie, now)


def start_session(
    response: Response, settings: Settings, token_id: int, now: datetime
) -> DashboardSession:
    value = DashboardSession(
        token_id=token_id,
        csrf_token=secrets.token_urlsafe(24),
        expires_at=(now + SESSION_LIFETIME).replace(microsecond=0),
    )
    response.set_cookie(
        SESSION_COOKIE,
        encode_session(settings, value),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
        path="/",
    )
    return value


def login(
    session: Session, response: Response, settings: Settings, token: str, now: datetime
) -> tuple[Principal, DashboardSession]:
    """Check a bearer token typed into the login form and open a dashboard session for it."""
    principal = authenticate(session, token.strip(), now)
    return principal, start_session(response, settings, principal.token_id, now)


def logout(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
    )


def csrf_token(request: Request, now: datetime) -> str | None:
    """The CSRF token to put in a form's hidden `csrf_token` field (None: not logged in)."""
    current = read_session(request, now)
    return current.csrf_token if current else None


def verify_csrf(request: Request, form_value: str | None, now: datetime | None = None) -> None:
    """Refuse a dashboard form whose CSRF field does not match the session's token."""
    current = read_session(request, now or utcnow())
    if current is None:
        raise Forbidden("no dashboard session; log in again")
    if not form_value or not hmac.compare_digest(current.csrf_token, form_value):
        raise Forbidden("CSRF token missing or wrong; reload the page and try again")
