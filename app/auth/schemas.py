"""Pydantic I/O of the auth package."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class PrincipalOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    token_id: int
    name: str
    role: str
    agency_id: int | None
    agency_ids: list[int] | None
    """The agencies this caller sees; null for an admin (every agency)."""
    csrf_token: str | None = None
    """With the dashboard cookie: the value for `X-CSRF-Token` on changes; else null."""


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    agency: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
