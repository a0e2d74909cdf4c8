"""Cumulative working time over a range of years: the one piece of arithmetic behind every due.

All instants are int64 microseconds since the Unix epoch, UTC; all durations are working
microseconds. Sessions are laid out in order with, for each, the working time elapsed before it,
so "instant + N working time" and "working time between two instants" are binary searches
(`np.searchsorted`) that work the same on one dossier or on a million.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.hours import OfficeHours, OfficeHoursSchedule

I64 = npt.NDArray[np.int64]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
US_PER_MINUTE = 60_000_000
US_PER_HOUR = 3_600_000_000
NO_SESSION = -1  # a day off's "end of its last session"


class OutOfIndexRange(ValueError):
    """An instant or a due falls outside the years the index was built for."""


def to_us(value: datetime) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no timezone")
    return (value - EPOCH) // MICROSECOND


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))


def _local_midnight_us(day: date) -> int:
    return to_us(datetime.combine(day, time(0), LOCAL_TZ))


class WorkingTimeIndex:
    def __init__(
        self,
        calendar: CivilServiceCalendar,
        hours: OfficeHours | OfficeHoursSchedule,
        first_year: int,
        last_year: int,
    ) -> None:
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")
        schedule = OfficeHoursSchedule.coerce(hours)
        self.first_year, self.last_year = first_year, last_year
        self.first_day = date(first_year, 1, 1)
        ndays = (date(last_year + 1, 1, 1) - self.first_day).days
        starts: list[int] = []
        ends: list[int] = []
        day_last_end = np.full(ndays, NO_SESSION, dtype=np.int64)
        day_starts = np.empty(ndays + 1, dtype=np.int64)
        for offset in range(ndays):
            day = self.first_day + timedelta(days=offset)
            day_starts[offset] = _local_midnight_us(day)
            if calendar.is_working_day(day):
                for opening, closing in schedule.for_day(day).local_sessions(day):
                    starts.append(to_us(opening))
                    ends.append(to_us(closing))
                day_last_end[offset] = ends[-1]
        day_starts[ndays] = _local_midnight_us(date(last_year + 1, 1, 1))
        if not starts:
            raise ValueError(f"no working day at all in {first_year}–{last_year}")
        self.starts: I64 = np.asarray(starts, dtype=np.int64)
        self.ends: I64 = np.asarray(ends, dtype=np.int64)
        lengths = self.ends - self.starts
        self.cum_end: I64 = np.cumsum(lengths)
        self.cum: I64 = self.cum_end - lengths
        self.day_starts: I64 = day_starts
        self.day_last_end: I64 = day_last_end
        # For each day, the index of the first working day on or after it (ndays when none).
        working = np.flatnonzero(day_last_end != NO_SESSION)
        self.day_next_working: I64 = working[
            np.minimum(np.searchsorted(working, np.arange(ndays)), len(working) - 1)
        ].astype(np.int64)
        self.day_next_working[np.arange(ndays) > working[-1]] = ndays
        self.lo_us = int(day_starts[0])
        self.hi_us = int(day_starts[-1])
        # The same arrays as Python lists for the one-instant operations below: for a single
        # value `bisect` is ~50x cheaper than building arrays and calling numpy.
        self._starts: list[int] = self.starts.tolist()
        self._ends: list[int] = self.ends.tolist()
        self._cum: list[int] = self.cum.tolist()
        self._cum_end: list[int] = self.cum_end.tolist()
        self._day_starts: list[int] = day_starts.tolist()

    # ---- checks -------------------------------------------------------------------------------
    def _check(self, t: I64, what: str) -> None:
        if t.size and (int(t.min()) < self.lo_us or int(t.max()) >= self.hi_us):
            raise OutOfIndexRange(
                f"{what} outside the working-time index {self.first_year}–{self.last_year}"
            )

    # ---- primitives on int64 microsecond arrays -------------------------------------------------
    def elapsed(self, t: I64) -> I64:
        """Working time from the start of the index up to each instant."""
        self._check(t, "instant")
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = np.minimum(t - self.starts[safe], self.ends[safe] - self.starts[safe])
        return np.where(i < 0, 0, self.cum[safe] + inside).astype(np.int64)

    def advance(self, t: I64, amount: I64) -> I64:
        """The earliest instant at which `amount` working time has elapsed after `t`.

        Ending exactly at a session's end gives that end, not the next opening; a zero amount
        gives `t` itself.
        """
        if np.any(amount < 0):
            raise ValueError("cannot advance by a negative working time")
        target = self.elapsed(t) + amount
        j = np.searchsorted(self.cum_end, target, side="left")
        if np.any(j >= len(self.starts)):
            raise OutOfIndexRange(f"due beyond the working-time index (ends {self.last_year})")
        due = self.starts[j] + (target - self.cum[j])
        return np.where(amount == 0, t, due).astype(np.int64)

    def between(self, a: I64, b: I64) -> I64:
        """Working time from a to b (negative when b is before a)."""
        return self.elapsed(b) - self.elapsed(a)

    def next_working_instant(self, t: I64) -> I64:
        """The earliest instant at or after t inside a session."""
        self._check(t, "instant")
        j = np.searchsorted(self.ends, t, side="right")
        if np.any(j >= len(self.starts)):
            raise OutOfIndexRange(f"no session after the instant before {self.last_year + 1}")
        return np.maximum(t, self.starts[j]).astype(np.int64)

    def day_of(self, t: I64) -> I64:
        """Index (0 = 1 January of first_year) of each instant's local date."""
        self._check(t, "instant")
        return (np.searchsorted(self.day_starts, t, side="right") - 1).astype(np.int64)

    def clock_start(self, received: I64, cutoff: time | None = None) -> I64:
        """DEADLINES.md §3: the clock starts at the first session instant at or after receipt;
        at or after the cut-off hour, at the next working day's opening."""
        if cutoff is not None:
            day = self.day_of(received)
            late = received - self.day_starts[day] >= self._cutoff_us(cutoff)
            received = np.where(
                late, self.day_starts[np.minimum(day + 1, len(self.day_starts) - 1)], received
            )
        return self.next_working_instant(received)

    def start_reason_codes(self, received: I64, cutoff: time | None = None) -> I64:
        """Why the clock starts where it does, as positions in `app.deadlines.batch.START_REASONS`:
        the same tests in the same order as the scalar `WorkingClock.start_reason`."""
        day = self.day_of(received)
        since_midnight = received - self.day_starts[day]
        working = self.day_last_end[day] != NO_SESSION
        late = (
            np.zeros(received.shape, dtype=bool)
            if cutoff is None
            else since_midnight >= self._cutoff_us(cutoff)
        )
        i = np.searchsorted(self.starts, received, side="right") - 1
        safe = np.maximum(i, 0)
        # the last session begun at or before the instant; sessions never cross midnight
        opened_today = (i >= 0) & (self.starts[safe] >= self.day_starts[day])
        in_session = opened_today & (received < self.ends[safe])
        return np.select(
            [~working, late, ~opened_today, received >= self.day_last_end[day], in_session],
            [0, 1, 2, 3, 4],
            default=5,
        ).astype(np.int64)

    @staticmethod
    def _cutoff_us(cutoff: time) -> int:
        return (cutoff.hour * 60 + cutoff.minute) * US_PER_MINUTE + (
            cutoff.second * 1_000_000 + cutoff.microsecond
        )

    def end_of_working_day(self, day: I64) -> I64:
        """End of the last session of the first working day on or after each day index."""
        if np.any(day < 0) or np.any(day >= len(self.day_last_end)):
            raise OutOfIndexRange(
                f"day outside the working-time index {self.first_year}–{self.last_year}"
            )
        working = self.day_next_working[day]
        if np.any(working >= len(self.day_last_end)):
            raise OutOfIndexRange(f"no working day before the end of {self.last_year}")
        return self.day_last_end[working]

    # ---- the same on one instant (int microseconds); results equal the array versions ------
    def contains(self, t: int) -> bool:
        return self.lo_us <= t < self.hi_us

    def _check_one(self, t: int, what: str) -> None:
        if not self.lo_us <= t < self.hi_us:
            raise OutOfIndexRange(
                f"{what} outside the working-time index {self.first_year}–{self.last_year}"
            )

    def elapsed_one(self, t: int) -> int:
        self._check_one(t, "instant")
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        start = self._starts[i]
        return self._cum[i] + min(t - start, self._ends[i] - start)

    def advance_one(self, t: int, amount: int) -> int:
        if amount < 0:
            raise ValueError("cannot advance by a negative working time")
        target = self.elapsed_one(t) + amount
        j = bisect_left(self._cum_end, target)
        if j >= len(self._starts):
            raise OutOfIndexRange(f"due beyond the working-time index (ends {self.last_year})")
        return t if amount == 0 else self._starts[j] + (target - self._cum[j])

    def next_working_instant_one(self, t: int) -> int:
        self._check_one(t, "instant")
        j = bisect_right(self._ends, t)
        if j >= len(self._starts):
            raise OutOfIndexRange(f"no session after the instant before {self.last_year + 1}")
        return max(t, self._starts[j])

    def clock_start_one(self, received: int, cutoff: time | None = None) -> int:
        if cutoff is not None:
            self._check_one(received, "instant")
            day = bisect_right(self._day_starts, received) - 1
            if received - self._day_starts[day] >= self._cutoff_us(cutoff):
                received = self._day_starts[min(day + 1, len(self._day_starts) - 1)]
        return self.next_working_instant_one(received)

    # ---- batch API on datetime64 --------------------------------------------------------------
    def batch_clock_start(
        self, received_utc: npt.NDArray[np.datetime64], cutoff: time | None = None
    ) -> npt.NDArray[np.datetime64]:
        received = received_utc.astype("datetime64[us]").astype(np.int64)
        return self.clock_start(received, cutoff).astype("datetime64[us]")

    def batch_due(
        self,
        received_utc: npt.NDArray[np.datetime64],
        working_minutes: npt.ArrayLike,
        *,
        cutoff: time | None = None,
    ) -> npt.NDArray[np.datetime64]:
        """Due instants (UTC datetime64[us]) for receipts (UTC datetime64) and working minutes."""
        received = received_utc.astype("datetime64[us]").astype(np.int64)
        amount = np.rint(np.asarray(working_minutes, dtype=np.float64) * US_PER_MINUTE)
        start = self.clock_start(received, cutoff)
        return self.advance(start, amount.astype(np.int64)).astype("datetime64[us]")

    def batch_working_minutes_between(
        self, a_utc: npt.NDArray[np.datetime64], b_utc: npt.NDArray[np.datetime64]
    ) -> npt.NDArray[np.float64]:
        a = a_utc.astype("datetime64[us]").astype(np.int64)
        b = b_utc.astype("datetime64[us]").astype(np.int64)
        return self.between(a, b).astype(np.float64) / US_PER_MINUTE
