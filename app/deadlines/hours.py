"""Office hours (DEADLINES.md §2): a working day's sessions, per agency, with effective dates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from app.core.clock import LOCAL_TZ

# DEADLINES.md §4: one working day of processing time is 8 working hours, whatever the sessions.
WORKING_DAY_HOURS = 8


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The sessions of one working day in local time, each a half-open interval [open, close)."""

    sessions: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17, 30)),
    )

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("office hours need at least one session")
        previous_close: time | None = None
        for opening, closing in self.sessions:
            for value in (opening, closing):
                if value.tzinfo is not None or value.second or value.microsecond:
                    raise ValueError(f"session bound {value} must be a local HH:MM, no timezone")
            if opening >= closing:
                raise ValueError(f"session {opening:%H:%M}–{closing:%H:%M} closes before it opens")
            if previous_close is not None and opening < previous_close:
                raise ValueError("sessions must be in order and must not overlap")
            previous_close = closing

    @property
    def first_open(self) -> time:
        return self.sessions[0][0]

    @property
    def last_close(self) -> time:
        return self.sessions[-1][1]

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes(close) - _minutes(opening) for opening, close in self.sessions)

    def label(self) -> str:
        return ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in self.sessions)

    def local_sessions(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, o, LOCAL_TZ), datetime.combine(day, c, LOCAL_TZ))
            for o, c in self.sessions
        ]


DEFAULT_OFFICE_HOURS = OfficeHours()


@dataclass(frozen=True, slots=True)
class OfficeHoursSchedule:
    """An agency's office hours over time: each entry applies from its date until the next one.

    A day before the first entry uses the first entry's hours (the earliest hours known).
    """

    entries: tuple[tuple[date, OfficeHours], ...]

    def __init__(self, entries: Iterable[tuple[date, OfficeHours]]) -> None:
        ordered = tuple(sorted(entries, key=lambda entry: entry[0]))
        if not ordered:
            raise ValueError("an office-hours schedule needs at least one entry")
        days = [entry[0] for entry in ordered]
        if len(set(days)) != len(days):
            raise ValueError("two office-hours entries take effect on the same day")
        object.__setattr__(self, "entries", ordered)

    @classmethod
    def constant(cls, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> OfficeHoursSchedule:
        return cls([(date.min, hours)])

    @classmethod
    def coerce(cls, value: OfficeHours | OfficeHoursSchedule) -> OfficeHoursSchedule:
        return cls.constant(value) if isinstance(value, OfficeHours) else value

    def for_day(self, day: date) -> OfficeHours:
        chosen = self.entries[0][1]
        for effective_from, hours in self.entries:
            if effective_from > day:
                break
            chosen = hours
        return chosen


DEFAULT_SCHEDULE = OfficeHoursSchedule.constant()
