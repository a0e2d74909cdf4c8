"""Civil-service calendar (DEADLINES.md §1): which days are working days, and why."""

from app.deadlines.calendar.civil import CivilServiceCalendar
from app.deadlines.calendar.days import CalendarOverride, DayInfo, DayKind, OverrideKind
from app.deadlines.calendar.official import OFFICIAL_SCHEDULE

__all__ = [
    "OFFICIAL_SCHEDULE",
    "CalendarOverride",
    "CivilServiceCalendar",
    "DayInfo",
    "DayKind",
    "OverrideKind",
]
