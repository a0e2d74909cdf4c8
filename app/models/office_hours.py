from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UTCDateTime


class AgencyOfficeHours(Base):
    """Office sessions in force from a date; `agency_id` NULL is the province-wide default."""

    __tablename__ = "agency_office_hours"
    __table_args__ = (UniqueConstraint("agency_id", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    # [["07:30", "11:30"], ["13:30", "17:30"]]
    sessions: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
