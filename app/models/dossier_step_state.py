from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class DossierStepState(Base):
    """The open step of an open dossier as the last scan found it (DEADLINES.md §8): who holds
    it, its due and class. Lets an incremental scan find the dossiers whose step may have become
    due soon or overdue although the dossier's own due is far, and the dashboard show who holds
    what. Rewritten by the scan only when it changes; removed when the dossier closes."""

    __tablename__ = "dossier_step_state"
    __table_args__ = (Index("ix_dossier_step_state_due_at", "due_at"),)

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(255))
    agency: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    classification: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
