from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class DossierEvent(Base):
    """A progress record (QuaTrinhXuLy). `dedup_hash` is sha256 of PORTAL.md's de-duplication key
    (MaHoSo, ThoiDiemXuLy, TrangThai, NoiDungXuLy): a hash, because NoiDungXuLy can be longer than
    an index entry may be."""

    __tablename__ = "dossier_event"
    __table_args__ = (UniqueConstraint("dossier_id", "dedup_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    dedup_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[int] = mapped_column(SmallInteger)
    content: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(255))
    officer: Mapped[str | None] = mapped_column(String(255))
    officer_title: Mapped[str | None] = mapped_column(String(255))
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
