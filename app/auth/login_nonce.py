"""The login forms' protection against cross-site posting (login CSRF).

Nobody is signed in yet, so there is no session to hold a CSRF token. GET /login puts a random
nonce in the form and, signed, in a short-lived SameSite=Strict cookie (double submit); both
login endpoints (`POST /login`, `POST /auth/login`) accept only the pair. Another site can make a
browser post a form, but can neither read the nonce nor send the strict cookie with it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Final

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.core.config import Settings

LOGIN_NONCE_COOKIE: Final = "tthc_login_nonce"
LOGIN_NONCE_MAX_AGE: Final = 3600
# Both login endpoints must receive the cookie: /login (the form) and /auth/login (scripts).
_COOKIE_PATH: Final = "/"
_SALT: Final = "tthc-dashboard-login"


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SALT)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def remember_nonce(response: Response, settings: Settings, nonce: str) -> None:
    """Put the signed twin of the form's nonce into the response's cookie."""
    response.set_cookie(
        LOGIN_NONCE_COOKIE,
        _serializer(settings).dumps(nonce),
        max_age=LOGIN_NONCE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=settings.environment != "development",
        path=_COOKIE_PATH,
    )


def nonce_valid(request: Request, settings: Settings, presented: str | None) -> bool:
    cookie = request.cookies.get(LOGIN_NONCE_COOKIE)
    if not cookie or not presented:
        return False
    try:
        expected = _serializer(settings).loads(cookie, max_age=LOGIN_NONCE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(expected, str) and hmac.compare_digest(expected, presented)


def clear_nonce(response: Response) -> None:
    response.delete_cookie(LOGIN_NONCE_COOKIE, path=_COOKIE_PATH)
