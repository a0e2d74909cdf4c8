from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, TimestampMixin
from app.db.types import UTCDateTime


class Notice(TimestampMixin, Base):
    """An apology notice (form 04). One per dossier: the return date may be re-set only once."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("issuing_agency_id", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    issuing_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    # The register symbol it was numbered under, e.g. "PXL-UBND" (None: drafted before 0009).
    symbol: Mapped[str | None] = mapped_column(String(48))
    # draft | approved | issued | published | cancelled
    status: Mapped[str] = mapped_column(String(16), index=True)
    legal_basis: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    original_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    approved_by: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(128))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Issued at the latest one working day before the legal due (NOTICES.md).
    issued_in_time: Mapped[bool | None] = mapped_column(Boolean)
    # DEADLINES.md §8: the agency whose step made the dossier late, when another agency's
    # (inter-agency): it issues the apology, the one-stop agency (`forwarding_agency`) forwards.
    responsible_agency: Mapped[str | None] = mapped_column(String(255))
    forwarding_agency: Mapped[str | None] = mapped_column(String(255))


class NoticeEvent(Base):
    """Each workflow step of a notice: who did what, when."""

    __tablename__ = "notice_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class NoticeFile(Base):
    """A rendered copy of a notice as it was issued."""

    __tablename__ = "notice_file"
    __table_args__ = (UniqueConstraint("notice_id", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    format: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
