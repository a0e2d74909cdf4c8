"""The calendar and office hours as the engine needs them, built from the database rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time
from functools import lru_cache

from sqlalchemy.orm import Session

from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar, OverrideKind
from app.deadlines.hours import DEFAULT_OFFICE_HOURS, OfficeHours, OfficeHoursSchedule
from app.deadlines.store import repository
from app.models import CalendarOverrideRow


def _to_value(row: CalendarOverrideRow) -> CalendarOverride:
    kind: OverrideKind = "working_day" if row.kind == "working_day" else "day_off"
    return CalendarOverride(day=row.day, kind=kind, reason=row.reason, source=row.source)


def load_calendar(session: Session) -> CivilServiceCalendar:
    overrides = tuple(_to_value(row) for row in repository.list_overrides(session))
    return _calendar_for(overrides)


@lru_cache(maxsize=16)
def _calendar_for(overrides: tuple[CalendarOverride, ...]) -> CivilServiceCalendar:
    # One calendar object per set of overrides: the working-time index is cached per calendar
    # object, and rebuilding it for every batch would cost more than the batch.
    return CivilServiceCalendar(overrides)


def parse_sessions(raw: object) -> OfficeHours:
    """A stored sessions list ([["07:30", "11:30"], …]) as office hours; ValueError if malformed."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"office-hours sessions must be a non-empty list, not {raw!r}")
    sessions: list[tuple[time, time]] = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"a session is [open, close], not {pair!r}")
        sessions.append((time.fromisoformat(str(pair[0])), time.fromisoformat(str(pair[1]))))
    return OfficeHours(tuple(sessions))


def load_office_hours(session: Session) -> dict[int | None, OfficeHoursSchedule]:
    """Schedules by agency id; the key None holds the province-wide default."""
    entries: dict[int | None, list[tuple[date, OfficeHours]]] = defaultdict(list)
    for row in repository.list_office_hours(session):
        entries[row.agency_id].append((row.effective_from, parse_sessions(row.sessions)))
    schedules = {agency: OfficeHoursSchedule(items) for agency, items in entries.items()}
    schedules.setdefault(None, OfficeHoursSchedule.constant(DEFAULT_OFFICE_HOURS))
    return schedules
