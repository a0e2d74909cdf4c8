from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class DossierAnomaly(Base):
    """Something a sender got wrong about a dossier that was stored all the same (a data-quality
    anomaly): a code, the field or step it concerns (`subject`), a Vietnamese message for
    supervisors and vendors, and who sent it. Never personal data."""

    __tablename__ = "dossier_anomaly"
    __table_args__ = (UniqueConstraint("dossier_id", "code", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(48), index=True)
    subject: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("sender.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=1)
