from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class ProcedureProcess(Base):
    """A procedure's internal process (quy trình nội bộ, DEADLINES.md §8): ordered steps, each
    `{"name", "units", "working_hours", "online_working_hours", "agency"}`.

    `agency_id` None is the catalogue's process; a row with an agency (a province, or any agency
    of the tree) is that agency's approved process and wins for its dossiers and those of the
    agencies below it. Kept apart from `procedure` because a province edits it on its own."""

    __tablename__ = "procedure_process"
    __table_args__ = (UniqueConstraint("procedure_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("procedure.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # "catalogue" (imported) or who edited it
    source: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
