from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class QuarantineEntry(Base):
    """A raw record that could not be stored as a dossier, with the field and the reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_record_id: Mapped[int] = mapped_column(ForeignKey("raw_record.id"), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    field: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=1)
    # open | resolved (a retry stored it)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who the record belongs to, as the record itself says (a stored dossier may not exist):
    # its DonViXuLy (an agency code or name) and the envelope's madonvi. Supervisors see the
    # entries naming an agency of their subtree.
    named_agency: Mapped[str | None] = mapped_column(String(255), index=True)
    sender_agency: Mapped[str | None] = mapped_column(String(64), index=True)
