from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import Boolean, Numeric, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, TimestampMixin


class Procedure(TimestampMixin, Base):
    """A catalogue row. `in_catalogue` is False for procedures seen only on dossiers."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str | None] = mapped_column(String(64), index=True)
    field_name: Mapped[str | None] = mapped_column(String(255))
    processing_time_text: Mapped[str | None] = mapped_column(Text)
    processing_time: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    # working_days | working_hours | calendar_days | same_day
    processing_unit: Mapped[str | None] = mapped_column(String(16))
    cutoff: Mapped[time | None] = mapped_column(Time)
    restart_on_supplement: Mapped[bool] = mapped_column(Boolean, default=False)
    parse_error: Mapped[str | None] = mapped_column(Text)
    in_catalogue: Mapped[bool] = mapped_column(Boolean, default=False)
