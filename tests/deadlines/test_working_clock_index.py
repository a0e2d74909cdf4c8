"""`WorkingClock` keeps one working-time index per calendar and office hours and grows it on
demand: the years it covers, reuse, growth past the end, the supported range 1990–2200, and
the processing time in microseconds. Each test builds its own clock (the shared one is left to
the rest of the suite) over a few years only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import ProcessingTime, WorkingClock
from app.deadlines.clock import processing_time_us
from app.deadlines.index import OutOfIndexRange
from tests.deadlines.cases import H, L
from tests.deadlines.conftest import SHARED_CALENDAR

HOUR_US = 3_600_000_000


def fresh() -> WorkingClock:
    return WorkingClock(SHARED_CALENDAR, H)


def test_an_index_that_covers_the_years_is_reused_and_one_that_does_not_grows() -> None:
    clock = fresh()
    first = clock.index(2025, 2026)
    assert (first.first_year, first.last_year) == (2025, 2026)
    assert clock.index(2025, 2026) is first and clock.index(2026, 2026) is first
    later = clock.index(2028, 2028)  # grown to keep the years it had: never shrunk
    assert (later.first_year, later.last_year) == (2025, 2028)
    earlier = clock.index(2023, 2024)
    assert (earlier.first_year, earlier.last_year) == (2023, 2028)
    assert clock.index(2025, 2025) is earlier


def test_growing_doubles_the_years_up_to_2200() -> None:
    clock = fresh()
    grown = clock.grow(clock.index(2025, 2026))
    assert (grown.first_year, grown.last_year) == (2025, 2028)
    end_clock = fresh()
    near_the_end = end_clock.grow(end_clock.index(2199, 2199))
    assert (near_the_end.first_year, near_the_end.last_year) == (2199, 2200)
    with pytest.raises(OutOfIndexRange, match="due beyond 2200"):
        end_clock.grow(near_the_end)


@pytest.mark.parametrize(("first", "last"), [(1989, 1990), (1989, 2000), (2200, 2201)])
def test_years_outside_1990_to_2200_are_refused(first: int, last: int) -> None:
    with pytest.raises(ValueError, match=r"^instants must fall within 1990–2200$"):
        fresh().index(first, last)


def test_the_first_and_last_supported_years_work() -> None:
    # 1990 and 2200 themselves are inside, in local time: 1/1/1990 03:00 local is still 1989
    # in UTC, and the clock reasons in local time (Tue 2/1/1990 is the first working day).
    assert fresh().clock_start(L(1990, 1, 1, 3, 0)) == L(1990, 1, 2, 7, 30)
    clock = fresh()
    assert clock.clock_start(L(2200, 6, 2, 9, 0)) == L(2200, 6, 2, 9, 0)  # a Monday
    assert clock.working_between(L(2200, 6, 2, 9, 0), L(2200, 6, 2, 10, 0)) == HOUR_US
    with pytest.raises(ValueError, match="1990–2200"):
        fresh().clock_start(L(1989, 12, 31, 23, 0))
    with pytest.raises(ValueError, match="1990–2200"):
        fresh().clock_start(L(2201, 1, 1, 9, 0))


def test_operations_near_the_end_of_the_index_grow_it() -> None:
    clock = fresh()
    clock.index(2025, 2025)
    # New Year's Eve after closing: the next opening (Fri 2/1/2026) is past the index's end.
    assert clock.clock_start(L(2025, 12, 31, 18, 0)) == L(2026, 1, 2, 7, 30)
    clock = fresh()
    clock.index(2025, 2025)
    # 400 working days from Mon 1/12/2025 need two doublings (2025–2026, then 2025–2028).
    due = clock.advance(L(2025, 12, 1, 9, 0), 400 * 8 * HOUR_US)
    reference = fresh()
    reference.index(2024, 2030)
    assert due == reference.advance(L(2025, 12, 1, 9, 0), 400 * 8 * HOUR_US)
    assert due.astimezone(LOCAL_TZ).year == 2027
    assert clock.working_between(L(2025, 12, 1, 9, 0), due) == 400 * 8 * HOUR_US


def test_working_time_between_instants_on_both_sides_of_the_index() -> None:
    clock = fresh()
    clock.index(2025, 2025)
    # Tue 31/12/2024 16:30 -> Thu 2/1/2025 8:30: 1 h, New Year's Day off, 1 h.
    assert clock.working_between(L(2024, 12, 31, 16, 30), L(2025, 1, 2, 8, 30)) == 2 * HOUR_US
    assert clock.working_between(L(2025, 1, 2, 8, 30), L(2024, 12, 31, 16, 30)) == -2 * HOUR_US


@pytest.mark.parametrize(
    ("value", "unit", "us"),
    [
        ("0.5", "working_days", 4 * HOUR_US),
        ("3", "working_hours", 3 * HOUR_US),
        ("0.25", "working_hours", 15 * 60_000_000),
        # 0.00000000125 h = 4.5 µs: half a microsecond rounds up, not to the even 4.
        ("0.00000000125", "working_hours", 5),
        ("0.00000000275", "working_hours", 10),  # 9.9 µs
    ],
)
def test_processing_time_in_microseconds(value: str, unit: str, us: int) -> None:
    assert processing_time_us(ProcessingTime(Decimal(value), unit)) == us  # type: ignore[arg-type]


def test_calendar_units_are_not_working_time() -> None:
    with pytest.raises(ValueError, match=r"^calendar_days is not counted in working time$"):
        processing_time_us(ProcessingTime(Decimal(3), "calendar_days"))
    with pytest.raises(ValueError, match=r"^same_day is not counted in working time$"):
        processing_time_us(ProcessingTime.same_day())


def test_day_dues_are_local_whatever_the_host_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as host_time

    monkeypatch.setenv("TZ", "America/New_York")
    host_time.tzset()
    try:
        clock = fresh()
        # Mon 3/3/2025 07:30 local is Sun 2/3 19:30 in New York: + 5 calendar days is still
        # Sat 8/3 local, so Mon 10/3's close.
        due = clock.base_due(L(2025, 3, 3, 7, 30), ProcessingTime(Decimal(5), "calendar_days"))
        assert due == L(2025, 3, 10, 17, 30) and due.utcoffset() == timedelta(0)
        end = clock.end_of_working_day(datetime(2025, 3, 8).date())
        assert end == L(2025, 3, 10, 17, 30) and end.utcoffset() == timedelta(0)
    finally:
        monkeypatch.undo()
        host_time.tzset()
