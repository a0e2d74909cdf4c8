from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class DashboardSessionRow(Base):
    """A signed-in browser. The cookie holds a random secret; only its SHA-256 is stored, so a
    copy of this table opens no session. Logout or the token's revocation sets `ended_at`, which
    every replica reads on the next request."""

    __tablename__ = "dashboard_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # logout | token revoked
    ended_reason: Mapped[str | None] = mapped_column(String(32))
