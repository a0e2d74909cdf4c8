"""Calendar overrides in the database, and the calendar and office hours built from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy.orm import Session

from app.calendar import repository
from app.calendar.calendar import CivilServiceCalendar
from app.calendar.models import CalendarOverride, OverrideKind
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.deadlines.hours import DEFAULT_OFFICE_HOURS, OfficeHours, OfficeHoursSchedule
from app.models import AgencyOfficeHours, CalendarOverrideRow


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


def list_overrides(
    session: Session, start: date | None = None, end: date | None = None
) -> Sequence[CalendarOverrideRow]:
    return repository.list_overrides(session, start, end)


def add_override(
    session: Session,
    *,
    day: date,
    kind: str,
    reason: str,
    source: str,
    created_by: str | None,
    now: datetime,
) -> CalendarOverrideRow:
    if kind not in ("day_off", "working_day"):
        raise ValidationFailed(f"kind must be day_off or working_day, not {kind!r}")
    try:
        value = CalendarOverride(day=day, kind=kind, reason=reason, source=source)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    if repository.get_override(session, day) is not None:
        raise Conflict(f"an override for {day.isoformat()} exists already; remove it first")
    row = CalendarOverrideRow(
        day=value.day,
        kind=value.kind,
        reason=value.reason,
        source=value.source,
        created_by=created_by,
        created_at=now,
    )
    return repository.add_override(session, row)


def remove_override(session: Session, day: date) -> CalendarOverrideRow:
    row = repository.get_override(session, day)
    if row is None:
        raise NotFound(f"no override on {day.isoformat()}")
    repository.delete_override(session, row)
    return row


def _parse_sessions(raw: object) -> OfficeHours:
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
        entries[row.agency_id].append((row.effective_from, _parse_sessions(row.sessions)))
    schedules = {agency: OfficeHoursSchedule(items) for agency, items in entries.items()}
    schedules.setdefault(None, OfficeHoursSchedule.constant(DEFAULT_OFFICE_HOURS))
    return schedules


def parse_sessions_text(text: str) -> list[list[str]]:
    """'07:30-11:30,13:30-17:30' -> [["07:30", "11:30"], ["13:30", "17:30"]], validated."""
    pairs: list[list[str]] = []
    for chunk in text.split(","):
        opening, sep, closing = chunk.strip().partition("-")
        if not sep:
            raise ValidationFailed(f"session {chunk.strip()!r} must look like 07:30-11:30")
        pairs.append([opening.strip(), closing.strip()])
    try:
        _parse_sessions(pairs)
    except ValueError as exc:
        raise ValidationFailed(f"office hours {text!r}: {exc}") from exc
    return pairs


def set_office_hours(
    session: Session,
    *,
    agency_id: int | None,
    effective_from: date,
    sessions: list[list[str]],
    now: datetime,
) -> AgencyOfficeHours:
    """Office hours in force from a date (replacing an entry for the same agency and date)."""
    row = repository.get_office_hours(session, agency_id, effective_from)
    if row is None:
        row = AgencyOfficeHours(
            agency_id=agency_id, effective_from=effective_from, sessions=sessions, created_at=now
        )
        session.add(row)
    else:
        row.sessions = sessions
    session.flush()
    return row


def list_office_hours(session: Session) -> Sequence[AgencyOfficeHours]:
    return repository.list_office_hours(session)
