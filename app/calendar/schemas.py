from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.deadlines.clock import MAX_YEAR, MIN_YEAR


class OverrideIn(BaseModel):
    day: date
    kind: Literal["day_off", "working_day"]
    reason: str = Field(min_length=1, max_length=500)
    source: str = Field(min_length=1, max_length=255, description="e.g. TB 9441/TB-BNV")

    @field_validator("day")
    @classmethod
    def _day_in_calendar(cls, value: date) -> date:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"day must fall within {MIN_YEAR}–{MAX_YEAR}")
        return value

    @field_validator("reason", "source")
    @classmethod
    def _printable(cls, value: str) -> str:
        # PostgreSQL text cannot hold NUL, and no official notice contains control characters.
        if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
            raise ValueError("control characters are not allowed")
        return value


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    kind: str
    reason: str
    source: str
    created_by: str | None
    created_at: datetime


class OverrideChange(BaseModel):
    override: OverrideOut
    recomputed_dossiers: int


class DayOut(BaseModel):
    day: date
    weekday: str
    is_working: bool
    kind: str
    reason: str
    source: str | None
