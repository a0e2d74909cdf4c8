from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class Sender(Base):
    """A one-door system allowed to push dossiers (OpenCPS, TD.DichVuCong, VNPT, Viettel...).

    Its password and URL key are random and stored as SHA-256 hashes only; `url_key_prefix`
    names the key in lists without revealing it. `agency_id` is the agency its records belong
    to when a record and its delivery name none."""

    __tablename__ = "sender"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(64))
    url_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    url_key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SenderSession(Base):
    """A session handed out by `POST /dvcqg/auth`, stored as a SHA-256 hash. It lives until the
    sender is revoked or it goes unused for the configured lifetime."""

    __tablename__ = "sender_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int] = mapped_column(
        ForeignKey("sender.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
