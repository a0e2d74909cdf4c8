"""What routers use to know who is calling: `CurrentPrincipal` and `require_roles(...)`.

A request authenticates with `Authorization: Bearer <token>` or with the dashboard session
cookie. A missing, malformed, unknown or revoked credential is a 401 with
`WWW-Authenticate: Bearer`; a known caller without the role is a 403.

The browser sends the cookie by itself, also on a form another site makes it post. So a request
that changes something (any method but GET, HEAD, OPTIONS) and authenticates with the cookie
alone must carry the session's CSRF token in `X-CSRF-Token`, as dashboard forms carry it in a
hidden field (docs/reliability.md, V3); without it: 403. A bearer token needs no CSRF token: no
browser attaches it on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.api.deps import SessionDep
from app.auth.principal import Principal
from app.auth.service import authenticate, authenticate_token_id
from app.auth.session_cookie import CSRF_HEADER, SESSION_COOKIE, csrf_matches, read_session
from app.auth.tokens import ROLE_RANK
from app.core.clock import utcnow
from app.core.errors import Forbidden, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

__all__ = [
    "AuthenticationRequired",
    "CurrentPrincipal",
    "Principal",
    "get_current_principal",
    "require_roles",
]


class AuthenticationRequired(Unauthorized):
    """401 that tells the client which scheme to use."""

    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - read-only class constant


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationRequired("Authorization header must be 'Bearer <token>'")
    return value.strip()


def get_current_principal(request: Request, session: SessionDep) -> Principal:
    now = utcnow()
    try:
        raw = _bearer(request)
        if raw is not None:
            return authenticate(session, raw, now)
        current = read_session(request, session, now)
        if current is not None:
            principal = authenticate_token_id(session, current.token_id, now)
            if request.method not in SAFE_METHODS and not csrf_matches(
                current, request.headers.get(CSRF_HEADER)
            ):
                raise Forbidden(
                    f"a change made with the dashboard cookie needs the session's CSRF token in "
                    f"{CSRF_HEADER} (or use Authorization: Bearer)"
                )
            return principal
    except AuthenticationRequired:
        raise
    except Unauthorized as exc:
        raise AuthenticationRequired(exc.reason) from exc
    if request.cookies.get(SESSION_COOKIE):
        raise AuthenticationRequired("dashboard session invalid or expired; log in again")
    raise AuthenticationRequired("missing bearer token")


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that yields the Principal when its role is one of `roles` or higher
    (admin > supervisor > viewer), else 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    unknown = [r for r in roles if r not in ROLE_RANK]
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    lowest = min(roles, key=ROLE_RANK.__getitem__)

    def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(lowest):
            raise Forbidden(
                f"role {principal.role} may not do this; needs {' or '.join(roles)} or higher"
            )
        return principal

    return dependency
