"""The civil-service calendar: python-holidays' Vietnam, the built-in official notices, overrides.

Precedence, strongest first: admin overrides, the dated official entries of `official.py`,
python-holidays (holidays and `weekend_workdays`), then Saturday/Sunday.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import holidays

from app.deadlines.calendar.days import WEEKDAY_NAMES_VI, CalendarOverride, DayInfo, nfc
from app.deadlines.calendar.official import OFFICIAL_SCHEDULE

# A run of non-working days longer than this means a broken override table, not a real calendar.
MAX_NON_WORKING_RUN = 366


def _index_overrides(
    entries: Iterable[CalendarOverride], what: str
) -> dict[date, CalendarOverride]:
    indexed: dict[date, CalendarOverride] = {}
    for entry in entries:
        previous = indexed.get(entry.day)
        if previous is not None and previous != entry:
            raise ValueError(
                f"two {what} for {entry.day.isoformat()}: "
                f"{previous.kind} ({previous.source}) and {entry.kind} ({entry.source})"
            )
        indexed[entry.day] = entry
    return indexed


def _vietnam(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


def load_holiday_tables() -> None:
    """python-holidays imports a country's module on first use (~0.3 s of CPU): a server
    process does it at start, not in the first request that needs a due time."""
    _vietnam(2000)


class CivilServiceCalendar:
    """Working days of Vietnamese civil servants. Immutable once built; safe to share and cache."""

    def __init__(
        self,
        overrides: Iterable[CalendarOverride] = (),
        *,
        official: Iterable[CalendarOverride] = OFFICIAL_SCHEDULE,
    ) -> None:
        self._overrides = _index_overrides(overrides, "overrides")
        self._official = _index_overrides(official, "official entries")
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}
        # The deadline engine asks this for every dossier; a calendar never changes once built.
        self._working: dict[date, bool] = {}
        self._lock = threading.Lock()

    @property
    def overrides(self) -> tuple[CalendarOverride, ...]:
        return tuple(sorted(self._overrides.values(), key=lambda o: o.day))

    @property
    def official(self) -> tuple[CalendarOverride, ...]:
        """The official schedule this calendar was built with (another process rebuilds it)."""
        return tuple(sorted(self._official.values(), key=lambda o: o.day))

    def _year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        cached = self._years.get(year)
        if cached is None:
            with self._lock:
                cached = self._years.get(year)
                if cached is None:
                    table = _vietnam(year)
                    names = {day: nfc(str(name)) for day, name in table.items()}
                    workdays = frozenset(
                        d for d in getattr(table, "weekend_workdays", ()) if d.year == year
                    )
                    cached = (names, workdays)
                    self._years[year] = cached
        return cached

    def describe(self, day: date) -> DayInfo:
        override = self._overrides.get(day)
        if override is not None:
            working = override.kind == "working_day"
            return DayInfo(
                day,
                working,
                "override_working_day" if working else "override_day_off",
                override.reason,
                override.source,
            )
        official = self._official.get(day)
        if official is not None:
            if official.kind == "working_day":
                return DayInfo(
                    day, True, "make_up_working_day", official.reason, official.source
                )
            return DayInfo(day, False, "official_day_off", official.reason, official.source)
        names, workdays = self._year(day.year)
        weekend = day.weekday() >= 5
        name = names.get(day)
        if name is not None:
            reason = f"{name} (trùng {WEEKDAY_NAMES_VI[day.weekday()]})" if weekend else name
            return DayInfo(day, False, "holiday", reason)
        if day in workdays:
            return DayInfo(day, True, "make_up_working_day", "Ngày làm việc bù", "python-holidays")
        if weekend:
            return DayInfo(
                day, False, "weekend", f"Nghỉ cuối tuần ({WEEKDAY_NAMES_VI[day.weekday()]})"
            )
        return DayInfo(day, True, "working_day", "Ngày làm việc")

    def is_working_day(self, day: date) -> bool:
        working = self._working.get(day)
        if working is None:
            working = self._working[day] = self.describe(day).is_working
        return working

    def days(self, start: date, end: date) -> Iterator[DayInfo]:
        """Every day from start to end, both included."""
        day = start
        while day <= end:
            yield self.describe(day)
            day += timedelta(days=1)

    def working_days(self, start: date, end: date) -> Iterator[date]:
        return (info.day for info in self.days(start, end) if info.is_working)

    def non_working_days(self, start: date, end: date) -> list[DayInfo]:
        return [info for info in self.days(start, end) if not info.is_working]

    def working_day_on_or_after(self, day: date) -> date:
        for offset in range(MAX_NON_WORKING_RUN + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_NON_WORKING_RUN} days of {day.isoformat()}")

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.working_day_on_or_after(day + timedelta(days=1))
