from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Numeric, String, Text, Time
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
    # the phrase of processing_time_text the time was read from (or the structured columns)
    processing_time_phrase: Mapped[str | None] = mapped_column(Text)
    # the named cases and extensions of the text, as written: shown with every dossier
    processing_time_exceptions: Mapped[list[str] | None] = mapped_column(JSON)
    # when the text was listed back: every reading it allows, {value, unit, cutoff, label, phrase}
    processing_time_readings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    cutoff: Mapped[time | None] = mapped_column(Time)
    cutoff_phrase: Mapped[str | None] = mapped_column(Text)
    restart_on_supplement: Mapped[bool] = mapped_column(Boolean, default=False)
    # why the text was listed back (no legal due time until an admin settles it)
    parse_error: Mapped[str | None] = mapped_column(Text)
    # "Cơ quan thực hiện" and "Mức độ" as the national catalogue's export writes them
    implementing_agency: Mapped[str | None] = mapped_column(Text)
    service_level: Mapped[str | None] = mapped_column(String(255))
    in_catalogue: Mapped[bool] = mapped_column(Boolean, default=False)
