"""Dashboard sessions, kept in the database so that they can be ended at once.

A session is opened by a login with a token and lasts at most `SESSION_LIFETIME`. The browser
holds a random secret (the cookie, `app/auth/session_cookie.py`); the database holds its SHA-256,
the token it stands for, its CSRF token and when it ends. Logout ends it; revoking the token
ends every session opened with it; either takes effect on the next request, on every replica.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.tokens import hash_token
from app.models import DashboardSessionRow

SESSION_LIFETIME: Final = timedelta(hours=12)
# Ended and expired sessions stay this long (who was signed in when), then the daily job
# deletes them.
KEEP_AFTER_EXPIRY: Final = timedelta(days=30)
_MAX_SECRET_LENGTH: Final = 128


@dataclass(frozen=True, slots=True)
class DashboardSession:
    id: int
    token_id: int
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class OpenedSession:
    secret: str  # for the cookie only; never stored
    session: DashboardSession


def _value(row: DashboardSessionRow) -> DashboardSession:
    return DashboardSession(id=row.id, token_id=row.token_id, csrf_token=row.csrf_token,
                            expires_at=row.expires_at)


def open_session(session: Session, token_id: int, now: datetime) -> OpenedSession:
    secret = secrets.token_urlsafe(32)
    row = repository.add_session(session, DashboardSessionRow(
        secret_hash=hash_token(secret),
        token_id=token_id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=(now + SESSION_LIFETIME).replace(microsecond=0),
    ))
    return OpenedSession(secret=secret, session=_value(row))


def find_session(session: Session, secret: str, now: datetime) -> DashboardSession | None:
    """The live session behind a cookie; None when unknown, ended or expired."""
    if not secret or len(secret) > _MAX_SECRET_LENGTH or not secret.isascii():
        return None
    row = repository.session_by_hash(session, hash_token(secret))
    if row is None or row.ended_at is not None or now >= row.expires_at:
        return None
    return _value(row)


def end_session(session: Session, session_id: int, now: datetime, reason: str = "logout") -> None:
    repository.end_session(session, session_id, now, reason)


def end_sessions_of_token(session: Session, token_id: int, now: datetime) -> int:
    return repository.end_sessions_of_token(session, token_id, now, "token revoked")


def purge_old_sessions(session: Session, now: datetime) -> int:
    return repository.delete_sessions_before(session, now - KEEP_AFTER_EXPIRY)
