"""The scalar working clock: datetimes in, UTC datetimes out, on top of `WorkingTimeIndex`.

The index grows on demand (a dossier from 2019, a 60-day procedure crossing New Year), so
callers never pick years. `working_clock()` shares one clock per (calendar, office hours).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Literal

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.hours import WORKING_DAY_HOURS, OfficeHours, OfficeHoursSchedule
from app.deadlines.index import (
    I64,
    US_PER_HOUR,
    OutOfIndexRange,
    WorkingTimeIndex,
    from_us,
    to_us,
)
from app.deadlines.rules import ProcessingTime

MIN_YEAR = 1990
MAX_YEAR = 2200

StartReason = Literal[
    "in_session",
    "between_sessions",
    "before_opening",
    "after_closing",
    "non_working_day",
    "after_cutoff",
]


def processing_time_us(processing_time: ProcessingTime) -> int:
    """Working time of a working_days / working_hours processing time, in microseconds."""
    per_unit = {"working_days": WORKING_DAY_HOURS * US_PER_HOUR, "working_hours": US_PER_HOUR}
    if processing_time.unit not in per_unit:
        raise ValueError(f"{processing_time.unit} is not counted in working time")
    amount = processing_time.value * per_unit[processing_time.unit]
    return int(amount.to_integral_value(rounding=ROUND_HALF_UP))


def hours_of(us: int) -> Decimal:
    """Working microseconds as hours, exact to the second, for display and arithmetic."""
    if not us:  # most of a scan's open steps: no pause, no overrun (Decimals are immutable)
        return _NO_HOURS
    return (Decimal(us) / US_PER_HOUR).quantize(Decimal("0.0001")).normalize()


_NO_HOURS = (Decimal(0) / US_PER_HOUR).quantize(Decimal("0.0001")).normalize()


class WorkingClock:
    def __init__(
        self, calendar: CivilServiceCalendar, hours: OfficeHours | OfficeHoursSchedule
    ) -> None:
        self.calendar = calendar
        self.schedule = OfficeHoursSchedule.coerce(hours)
        self._index: WorkingTimeIndex | None = None
        self._lock = threading.Lock()

    def index(self, first_year: int, last_year: int) -> WorkingTimeIndex:
        """An index covering at least these years (grown, never shrunk)."""
        if first_year < MIN_YEAR or last_year > MAX_YEAR:
            raise ValueError(f"instants must fall within {MIN_YEAR}–{MAX_YEAR}")
        current = self._index
        if (
            current is not None
            and current.first_year <= first_year
            and last_year <= current.last_year
        ):
            return current
        with self._lock:
            current = self._index
            if current is not None:
                first_year = min(first_year, current.first_year)
                last_year = max(last_year, current.last_year)
            built = WorkingTimeIndex(self.calendar, self.schedule, first_year, last_year)
            self._index = built
            return built

    def _index_around(self, *instants: datetime) -> WorkingTimeIndex:
        current = self._index
        # The common case, checked on microseconds: no timezone conversion per call.
        if current is not None and all(current.contains(to_us(i)) for i in instants):
            return current
        years = [local.year for local in (i.astimezone(LOCAL_TZ) for i in instants)]
        if min(years) < MIN_YEAR or max(years) > MAX_YEAR:
            raise ValueError(f"instants must fall within {MIN_YEAR}–{MAX_YEAR}")
        return self.index(max(min(years) - 1, MIN_YEAR), min(max(years) + 1, MAX_YEAR))

    def grow(self, index: WorkingTimeIndex) -> WorkingTimeIndex:
        """An index spanning twice the years of `index` (a due fell past its end)."""
        span = index.last_year - index.first_year + 1
        if index.last_year >= MAX_YEAR:
            raise OutOfIndexRange(f"due beyond {MAX_YEAR}")
        return self.index(index.first_year, min(index.last_year + span, MAX_YEAR))

    # ---- scalar operations --------------------------------------------------------------------
    def clock_start(self, received: datetime, cutoff: time | None = None) -> datetime:
        index = self._index_around(received)
        while True:
            try:
                return from_us(index.clock_start_one(to_us(received), cutoff))
            except OutOfIndexRange:
                index = self.grow(index)

    def advance(self, start: datetime, working_us: int) -> datetime:
        t = to_us(start)  # once: a scan's step engine advances every open step
        index = self._index
        if index is None or not index.contains(t):
            index = self._index_around(start)
        while True:
            try:
                return from_us(index.advance_one(t, working_us))
            except OutOfIndexRange:
                index = self.grow(index)

    def working_between(self, a: datetime, b: datetime) -> int:
        """Working microseconds from a to b; negative when b is before a."""
        ta, tb = to_us(a), to_us(b)
        index = self._index
        if index is None or not (index.contains(ta) and index.contains(tb)):
            index = self._index_around(a, b)
        return index.elapsed_one(tb) - index.elapsed_one(ta)

    # ---- the same on arrays of int64 microseconds (equal results, app.deadlines.index) -------
    def advance_many(self, start: I64, working_us: I64) -> I64:
        """`advance` of each start by its working time."""
        index = self._index_around(from_us(int(start.min())), from_us(int(start.max())))
        while True:
            try:
                return index.advance(start, working_us)
            except OutOfIndexRange:
                index = self.grow(index)

    def working_between_many(self, a: I64, b: I64) -> I64:
        """`working_between` of each pair."""
        lo, hi = int(min(a.min(), b.min())), int(max(a.max(), b.max()))
        return self._index_around(from_us(lo), from_us(hi)).between(a, b)

    def end_of_working_day(self, day: date) -> datetime:
        """End of the last session of the first working day on or after `day`."""
        working = self.calendar.working_day_on_or_after(day)
        sessions = self.schedule.for_day(working).local_sessions(working)
        return sessions[-1][1].astimezone(UTC)

    def base_due(self, start: datetime, processing_time: ProcessingTime) -> datetime:
        """DEADLINES.md §4, without pauses: the due instant for a clock started at `start`."""
        local_day = start.astimezone(LOCAL_TZ).date()
        if processing_time.unit == "calendar_days":
            return self.end_of_working_day(local_day + timedelta(days=int(processing_time.value)))
        if processing_time.unit == "same_day":
            return self.end_of_working_day(local_day)
        return self.advance(start, processing_time_us(processing_time))

    def start_reason(self, received: datetime, cutoff: time | None = None) -> StartReason:
        local = received.astimezone(LOCAL_TZ)
        if not self.calendar.is_working_day(local.date()):
            return "non_working_day"
        if cutoff is not None and local.time().replace(tzinfo=None) >= cutoff:
            return "after_cutoff"
        sessions = self.schedule.for_day(local.date()).local_sessions(local.date())
        if local < sessions[0][0]:
            return "before_opening"
        if local >= sessions[-1][1]:
            return "after_closing"
        if any(opening <= local < closing for opening, closing in sessions):
            return "in_session"
        return "between_sessions"


@lru_cache(maxsize=128)
def _shared_clock(calendar: CivilServiceCalendar, schedule: OfficeHoursSchedule) -> WorkingClock:
    return WorkingClock(calendar, schedule)


def working_clock(
    calendar: CivilServiceCalendar, hours: OfficeHours | OfficeHoursSchedule
) -> WorkingClock:
    """The shared clock for a calendar (by identity) and office hours (by value)."""
    return _shared_clock(calendar, OfficeHoursSchedule.coerce(hours))
