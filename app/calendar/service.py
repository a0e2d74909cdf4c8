"""Calendar admin: dated overrides and office hours. Every change recomputes the due times of
open dossiers here, in the service, so the API and the CLI cannot forget to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.calendar import repository
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.progress import Tracker
from app.deadlines.calendar import CalendarOverride, DayInfo
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.loaders import load_calendar, parse_sessions
from app.deadlines.store.sync import recompute_open_dossiers
from app.models import AgencyOfficeHours, CalendarOverrideRow

MAX_DAYS_SHOWN = 731  # two years


def list_overrides(
    session: Session, start: date | None = None, end: date | None = None
) -> Sequence[CalendarOverrideRow]:
    return clock_repository.list_overrides(session, start, end)


def add_override(
    session: Session,
    *,
    day: date,
    kind: str,
    reason: str,
    source: str,
    created_by: str | None,
    now: datetime,
    progress: Tracker | None = None,
) -> tuple[CalendarOverrideRow, int]:
    """The stored override and how many open dossiers were recomputed."""
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
    repository.add_override(session, row)
    return row, recompute_open_dossiers(session, now, progress=progress)


def remove_override(
    session: Session, day: date, now: datetime, progress: Tracker | None = None
) -> tuple[CalendarOverrideRow, int]:
    """The removed override and how many open dossiers were recomputed."""
    row = repository.get_override(session, day)
    if row is None:
        raise NotFound(f"no override on {day.isoformat()}")
    repository.delete_override(session, row)
    return row, recompute_open_dossiers(session, now, progress=progress)


def days(session: Session, start: date, end: date) -> list[DayInfo]:
    """Each day from `start` to `end` (inclusive): working or not, and why."""
    if end < start or (end - start).days > MAX_DAYS_SHOWN:
        raise ValidationFailed("'to' must be on or after 'from', at most two years later")
    if not (start.year >= MIN_YEAR and end.year <= MAX_YEAR):
        raise ValidationFailed(f"days must fall within {MIN_YEAR}–{MAX_YEAR}")
    return list(load_calendar(session).days(start, end))


def parse_sessions_text(text: str) -> list[list[str]]:
    """'07:30-11:30,13:30-17:30' -> [["07:30", "11:30"], ["13:30", "17:30"]], validated."""
    pairs: list[list[str]] = []
    for chunk in text.split(","):
        opening, sep, closing = chunk.strip().partition("-")
        if not sep:
            raise ValidationFailed(f"session {chunk.strip()!r} must look like 07:30-11:30")
        pairs.append([opening.strip(), closing.strip()])
    try:
        parse_sessions(pairs)
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
    progress: Tracker | None = None,
) -> tuple[AgencyOfficeHours, int]:
    """Office hours in force from a date (replacing an entry for the same agency and date), and
    how many open dossiers were recomputed."""
    row = repository.get_office_hours(session, agency_id, effective_from)
    if row is None:
        row = AgencyOfficeHours(
            agency_id=agency_id, effective_from=effective_from, sessions=sessions, created_at=now
        )
        session.add(row)
    else:
        row.sessions = sessions
    session.flush()
    return row, recompute_open_dossiers(session, now, progress=progress)


def list_office_hours(session: Session) -> Sequence[AgencyOfficeHours]:
    return clock_repository.list_office_hours(session)
