"""Token material: generation and hashing. Pure; no database."""

from __future__ import annotations

import hashlib
import secrets
from typing import Final, Literal

TOKEN_PREFIX: Final = "tthc_"  # noqa: S105 - a public marker, not a secret
# Characters kept in `api_token.prefix`: enough to tell tokens apart in a list, far too few
# (5 + 6 characters of 43 random ones) to help anyone guess the rest.
DISPLAY_PREFIX_LENGTH: Final = len(TOKEN_PREFIX) + 6

Role = Literal["admin", "supervisor", "viewer"]
ROLES: Final[tuple[Role, ...]] = ("admin", "supervisor", "viewer")
ROLE_RANK: Final[dict[str, int]] = {"viewer": 1, "supervisor": 2, "admin": 3}


def generate_token() -> str:
    """A new random bearer token: 256 bits of entropy behind a readable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    """SHA-256 hex of the token. Tokens are random, so a fast unsalted hash is enough:
    there is no dictionary to attack, unlike with passwords."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def display_prefix(raw: str) -> str:
    return raw[:DISPLAY_PREFIX_LENGTH]


def looks_like_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX) and 20 <= len(raw) <= 200 and raw.isascii()


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role
