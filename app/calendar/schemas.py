from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OverrideIn(BaseModel):
    day: date
    kind: Literal["day_off", "working_day"]
    reason: str = Field(min_length=1, max_length=500)
    source: str = Field(min_length=1, max_length=255, description="e.g. TB 9441/TB-BNV")


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
