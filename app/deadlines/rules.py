"""A procedure's legal processing time and clock options (DEADLINES.md §3–§5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Literal

ProcessingUnit = Literal["working_days", "working_hours", "calendar_days", "same_day"]
UNITS: tuple[ProcessingUnit, ...] = ("working_days", "working_hours", "calendar_days", "same_day")



@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """`value` in `unit`; `same_day` has value 0, `calendar_days` a whole number."""

    value: Decimal
    unit: ProcessingUnit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown processing unit {self.unit!r}")
        value = Decimal(self.value)
        if not value.is_finite() or value < 0:
            raise ValueError(f"processing time must be a finite number >= 0, not {self.value}")
        if self.unit == "same_day" and value != 0:
            raise ValueError("a same_day processing time has no number (use value 0)")
        if self.unit == "calendar_days" and value != value.to_integral_value():
            raise ValueError(f"calendar_days must be a whole number, not {value}")
        if self.unit in ("working_days", "working_hours") and value == 0:
            raise ValueError(f"{self.unit} must be more than 0")
        object.__setattr__(self, "value", value)

    @classmethod
    def same_day(cls) -> ProcessingTime:
        return cls(Decimal(0), "same_day")

    def label(self) -> str:
        number = format(self.value.normalize(), "f").replace(".", ",")
        return {
            "working_days": f"{number} ngày làm việc",
            "working_hours": f"{number} giờ làm việc",
            "calendar_days": f"{number} ngày",
            "same_day": "trong ngày",
        }[self.unit]


@dataclass(frozen=True, slots=True)
class ProcedureRule:
    """What the engine needs to know about a procedure; processing_time None = not in catalogue."""

    processing_time: ProcessingTime | None
    cutoff: time | None = None
    restart_on_supplement: bool = False

    def __post_init__(self) -> None:
        if self.cutoff is not None and self.cutoff.tzinfo is not None:
            raise ValueError("the cut-off hour is a local time without timezone")
