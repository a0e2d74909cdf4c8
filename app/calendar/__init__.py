"""Civil-service calendar (DEADLINES.md §1): which days are working days, and why."""

from app.calendar.calendar import CivilServiceCalendar
from app.calendar.models import CalendarOverride, DayInfo, DayKind, OverrideKind
from app.calendar.official import OFFICIAL_SCHEDULE

__all__ = [
    "OFFICIAL_SCHEDULE",
    "CalendarOverride",
    "CivilServiceCalendar",
    "DayInfo",
    "DayKind",
    "OverrideKind",
]
