"""Value types of the civil-service calendar."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

OverrideKind = Literal["day_off", "working_day"]

DayKind = Literal[
    "working_day",  # an ordinary Monday-Friday
    "weekend",  # Saturday or Sunday with nothing announced
    "holiday",  # a day off from the Labour Code / python-holidays
    "make_up_working_day",  # a weekend day announced as a working day
    "official_day_off",  # a day off from a dated official notice built into the product
    "override_day_off",  # an admin override
    "override_working_day",  # an admin override
]

WEEKDAY_NAMES_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    """A dated exception to the calendar; it always wins over python-holidays and the weekend."""

    day: date
    kind: OverrideKind
    reason: str
    source: str

    def __post_init__(self) -> None:
        if self.kind not in ("day_off", "working_day"):
            raise ValueError(f"override kind must be day_off or working_day, not {self.kind!r}")
        if not self.reason.strip():
            raise ValueError(f"override for {self.day.isoformat()} needs a reason")
        if not self.source.strip():
            raise ValueError(f"override for {self.day.isoformat()} needs a source document")
        object.__setattr__(self, "reason", nfc(self.reason.strip()))
        object.__setattr__(self, "source", nfc(self.source.strip()))


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Whether a day is a working day, and why, in words a supervisor can check."""

    day: date
    is_working: bool
    kind: DayKind
    reason: str
    source: str | None = None

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES_VI[self.day.weekday()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "weekday": self.weekday_name,
            "is_working": self.is_working,
            "kind": self.kind,
            "reason": self.reason,
            "source": self.source,
        }

    def to_text(self) -> str:
        text = f"{self.weekday_name} {self.day:%d/%m/%Y}: {self.reason}"
        return f"{text} (theo {self.source})" if self.source else text
