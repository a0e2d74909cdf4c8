"""What routers use to know who is calling: `CurrentPrincipal` and `require_roles(...)`.

A request authenticates with `Authorization: Bearer <token>` or, for the dashboard, the signed
session cookie. A missing, malformed, unknown or revoked credential is a 401 with
`WWW-Authenticate: Bearer`; a known caller without the role is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.api.deps import SessionDep
from app.auth.principal import Principal
from app.auth.service import authenticate, authenticate_token_id
from app.auth.session_cookie import read_session
from app.auth.tokens import ROLE_RANK
from app.core.clock import utcnow
from app.core.errors import Forbidden, Unauthorized

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
        current = read_session(request, now)
        if current is not None:
            return authenticate_token_id(session, current.token_id, now)
    except AuthenticationRequired:
        raise
    except Unauthorized as exc:
        raise AuthenticationRequired(exc.reason) from exc
    if request.cookies.get("tthc_session"):
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
