"""Token rules: create, list, revoke, and turn a presented token into a Principal."""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.agencies import repository as agencies
from app.auth import repository
from app.auth.principal import Principal
from app.auth.sessions import end_sessions_of_token
from app.auth.tokens import check_role, display_prefix, generate_token, hash_token, looks_like_token
from app.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from app.models import ApiToken

# Writing last_used_at on every request would turn each read into a write; a minute's
# precision is plenty to see which tokens are still in use.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(
    session: Session, *, name: str, role: str, agency: str | None, now: datetime
) -> CreatedToken:
    try:
        checked_role = check_role(role)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    clean_name = unicodedata.normalize("NFC", name.strip())
    if not clean_name:
        raise BadRequest("a token needs a name (who or what uses it)")
    agency_id: int | None = None
    if agency is not None:
        matches = agencies.find_all(session, agency)
        if not matches:
            raise NotFound(f"no agency with code or name {agency!r}")
        if len(matches) > 1:
            raise Conflict(f"{len(matches)} agencies are named {agency!r}; use the code")
        agency_id = matches[0].id
    elif checked_role != "admin":
        # A non-admin without an agency would either see nothing or everything; both are wrong.
        raise BadRequest(f"a {checked_role} token needs --agency")
    secret = generate_token()
    row = ApiToken(
        name=clean_name[:128],
        prefix=display_prefix(secret),
        token_hash=hash_token(secret),
        role=checked_role,
        agency_id=agency_id,
        created_at=now,
    )
    return CreatedToken(token=repository.add_token(session, row), secret=secret)


def list_tokens(session: Session) -> list[tuple[ApiToken, str | None]]:
    """Every token with its agency code (None for a province-wide admin)."""
    tokens = list(repository.all_tokens(session))
    codes = repository.agency_codes(session, [t.agency_id for t in tokens if t.agency_id])
    return [(t, codes.get(t.agency_id) if t.agency_id else None) for t in tokens]


def revoke_token(session: Session, id_or_prefix: str, now: datetime) -> ApiToken:
    value = id_or_prefix.strip()
    token: ApiToken | None = None
    if value.isdigit():
        token = repository.token_by_id(session, int(value))
    if token is None:
        if len(value) < 3:
            raise BadRequest("give a token id or at least 3 characters of its prefix")
        matches = repository.tokens_by_prefix(session, value)
        if len(matches) > 1:
            raise Conflict(f"{len(matches)} tokens start with {value!r}; use the id")
        token = matches[0] if matches else None
    if token is None:
        raise NotFound(f"no token with id or prefix {value!r}")
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    # principal_for already refuses a revoked token; ending its sessions also records why
    end_sessions_of_token(session, token.id, now)
    return token


def principal_for(session: Session, token: ApiToken, now: datetime) -> Principal:
    if token.revoked_at is not None:
        raise Unauthorized("token revoked")
    agency_ids: frozenset[int] | None = None
    if token.role != "admin":
        if token.agency_id is None:
            raise Unauthorized("token has no agency scope")
        agency_ids = agencies.subtree_ids(session, token.agency_id)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        repository.touch_token(session, token.id, now)
        token.last_used_at = now
    return Principal(
        token_id=token.id,
        name=token.name,
        role=check_role(token.role),
        agency_id=token.agency_id,
        agency_ids=agency_ids,
    )


def authenticate(session: Session, raw: str, now: datetime) -> Principal:
    """The Principal behind a presented bearer token, or Unauthorized."""
    if not looks_like_token(raw):
        raise Unauthorized("malformed token")
    presented = hash_token(raw)
    token = repository.token_by_hash(session, presented)
    # The lookup by hash already selected the row; comparing again in constant time costs
    # nothing and keeps the check free of timing leaks even if the index lookup were replaced
    # by a prefix lookup or a cache one day.
    if token is None or not hmac.compare_digest(token.token_hash, presented):
        raise Unauthorized("unknown token")
    return principal_for(session, token, now)


def authenticate_token_id(session: Session, token_id: int, now: datetime) -> Principal:
    """The Principal behind a dashboard session (which holds the token id, not the token)."""
    token = repository.token_by_id(session, token_id)
    if token is None:
        raise Unauthorized("session refers to an unknown token")
    return principal_for(session, token, now)
