"""`WorkingTimeIndex` on its own: the exact local years it covers, its edges, the day arrays the
batch path uses (end of a working day, clock-start reasons), sessions touching midnight, and the
datetime64 API. Small indexes of one year, built here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

import numpy as np
import pytest

from app.deadlines import OfficeHours, WorkingClock, WorkingTimeIndex
from app.deadlines.batch import START_REASONS
from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar
from app.deadlines.index import OutOfIndexRange, from_us, to_us
from tests.deadlines.cases import H, L
from tests.deadlines.conftest import SHARED_CALENDAR

HOUR = 3_600_000_000


def year_2025() -> WorkingTimeIndex:
    """Built in each test, not at import: what a test builds is what it checks."""
    return WorkingTimeIndex(SHARED_CALENDAR, H, 2025, 2025)


# Sessions that touch midnight: the day's edges are session edges.
EDGES = OfficeHours(((time(0, 0), time(6, 0)), (time(18, 0), time(23, 59))))


def us(*instants: datetime) -> np.ndarray:
    return np.array([to_us(i) for i in instants], dtype=np.int64)


def test_a_one_year_index_covers_that_local_year_and_no_more() -> None:
    y2025 = year_2025()
    first, last = L(2025, 1, 1, 0, 0), L(2025, 12, 31, 23, 59, 59, 999_999)
    assert y2025.contains(to_us(first)) and y2025.contains(to_us(last))
    assert not y2025.contains(to_us(first) - 1) and not y2025.contains(to_us(last) + 1)
    assert y2025.elapsed_one(to_us(first)) == 0  # 1/1 is a holiday: nothing before Thu 2/1
    assert y2025.elapsed_one(to_us(L(2025, 1, 2, 8, 30))) == HOUR
    working_days = sum(SHARED_CALENDAR.is_working_day(date(2025, 1, 1) + timedelta(d))
                       for d in range(365))
    assert y2025.elapsed_one(to_us(last)) == working_days * 8 * HOUR
    assert int(y2025.elapsed(us(last))[0]) == working_days * 8 * HOUR
    with pytest.raises(OutOfIndexRange, match="instant outside the working-time index 2025–2025"):
        y2025.elapsed(us(last) + 1)
    assert y2025.elapsed(np.array([], dtype=np.int64)).size == 0


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_instants_are_checked_before_arithmetic() -> None:
    with pytest.raises(ValueError, match=r"^naive datetime 2025-03-03T10:00:00 has no timezone$"):
        to_us(datetime(2025, 3, 3, 10, 0))
    with pytest.raises(ValueError, match=r"has no timezone$"):
        to_us(datetime(2025, 3, 3, 10, 0, tzinfo=_NoOffset()))
    y2025 = year_2025()
    outside = to_us(L(2026, 1, 1, 0, 0))
    message = r"^instant outside the working-time index 2025–2025$"
    for call in (
        lambda: y2025.elapsed_one(outside),
        lambda: y2025.next_working_instant_one(outside),
        lambda: y2025.clock_start_one(outside, time(15, 0)),
        lambda: y2025.elapsed(np.array([outside])),
        lambda: y2025.next_working_instant(np.array([outside])),
        lambda: y2025.day_of(np.array([outside])),
    ):
        with pytest.raises(OutOfIndexRange, match=message):
            call()
    negative = r"^cannot advance by a negative working time$"
    with pytest.raises(ValueError, match=negative):
        y2025.advance_one(to_us(L(2025, 3, 3, 9, 0)), -1)
    with pytest.raises(ValueError, match=negative):
        y2025.advance(us(L(2025, 3, 3, 9, 0)), np.array([-1]))


def test_advancing_by_nothing_stays_put_even_outside_the_sessions() -> None:
    y2025 = year_2025()
    saturday = us(L(2025, 3, 8, 9, 0), L(2025, 3, 3, 9, 0))
    moved = y2025.advance(saturday, np.array([0, 0]))
    assert moved.tolist() == saturday.tolist()
    assert y2025.advance_one(int(saturday[0]), 0) == int(saturday[0])


def test_the_index_ends_with_its_last_session() -> None:
    y2025 = year_2025()
    # Wed 31/12/2025 16:00: 1.5 h are left in the index; 2 h would need 2026.
    assert from_us(y2025.advance_one(to_us(L(2025, 12, 31, 16, 0)), 90 * 60_000_000)) == L(
        2025, 12, 31, 17, 30)
    with pytest.raises(OutOfIndexRange, match="due beyond the working-time index"):
        y2025.advance_one(to_us(L(2025, 12, 31, 16, 0)), 2 * HOUR)
    with pytest.raises(OutOfIndexRange, match="no session after the instant before 2026"):
        y2025.next_working_instant_one(to_us(L(2025, 12, 31, 17, 30)))
    with pytest.raises(OutOfIndexRange, match="no session after the instant before 2026"):
        y2025.next_working_instant(us(L(2025, 12, 31, 17, 30)))


def test_days_are_local_dates_counted_from_the_first_of_january() -> None:
    y2025 = year_2025()
    days = y2025.day_of(us(L(2025, 1, 1, 0, 0), L(2025, 3, 2, 23, 59), L(2025, 3, 3, 0, 0),
                           L(2025, 12, 31, 23, 59)))
    assert days.tolist() == [0, 60, 61, 364]


def test_the_end_of_a_working_day_on_or_after_a_day() -> None:
    y2025 = year_2025()
    days = y2025.day_of(us(L(2025, 3, 3, 9, 0), L(2025, 3, 8, 9, 0), L(2025, 12, 30, 9, 0),
                           L(2025, 12, 31, 9, 0)))
    ends = [from_us(int(e)) for e in y2025.end_of_working_day(days)]
    # The first day (1/1, a holiday) -> Thu 2/1.
    assert from_us(int(y2025.end_of_working_day(np.array([0]))[0])) == L(2025, 1, 2, 17, 30)
    # Monday itself; Saturday -> Monday 10/3; the last two working days of the year themselves.
    assert ends == [L(2025, 3, 3, 17, 30), L(2025, 3, 10, 17, 30), L(2025, 12, 30, 17, 30),
                    L(2025, 12, 31, 17, 30)]
    with pytest.raises(OutOfIndexRange, match="day outside the working-time index"):
        y2025.end_of_working_day(np.array([-1]))
    with pytest.raises(OutOfIndexRange, match="day outside the working-time index"):
        y2025.end_of_working_day(np.array([365]))
    # 2022 ends on a Saturday: no working day on or after it inside the index.
    y2022 = WorkingTimeIndex(SHARED_CALENDAR, H, 2022, 2022)
    assert from_us(int(y2022.end_of_working_day(np.array([363]))[0])) == L(2022, 12, 30, 17, 30)
    with pytest.raises(OutOfIndexRange, match="no working day before the end of 2022"):
        y2022.end_of_working_day(np.array([364]))


@pytest.mark.parametrize(
    ("received", "cutoff", "reason"),
    [
        # The index's very first working morning (Thu 2/1/2025, after the New Year holiday).
        (L(2025, 1, 1, 9, 0), None, "non_working_day"),
        (L(2025, 1, 2, 7, 0), None, "before_opening"),
        (L(2025, 1, 2, 7, 30), None, "in_session"),
        (L(2025, 1, 2, 8, 0), None, "in_session"),
        (L(2025, 1, 2, 11, 30), None, "between_sessions"),
        (L(2025, 1, 2, 17, 30), None, "after_closing"),
        (L(2025, 1, 2, 15, 0), time(15, 0), "after_cutoff"),
        (L(2025, 1, 2, 14, 59, 59), time(15, 0), "in_session"),
    ],
)
def test_start_reasons_on_arrays_match_the_scalar_clock(
    received: datetime, cutoff: time | None, reason: str
) -> None:
    y2025 = year_2025()
    (code,) = y2025.start_reason_codes(us(received), cutoff).tolist()
    assert START_REASONS[code] == reason
    assert WorkingClock(SHARED_CALENDAR, H).start_reason(received, cutoff) == reason


@pytest.mark.parametrize(
    ("received", "start", "reason"),
    [
        (L(2025, 3, 3, 0, 0), L(2025, 3, 3, 0, 0), "in_session"),  # opens at midnight
        (L(2025, 3, 3, 5, 59), L(2025, 3, 3, 5, 59), "in_session"),
        (L(2025, 3, 3, 6, 0), L(2025, 3, 3, 18, 0), "between_sessions"),
        (L(2025, 3, 3, 23, 59), L(2025, 3, 4, 0, 0), "after_closing"),
        (L(2025, 3, 8, 0, 0), L(2025, 3, 10, 0, 0), "non_working_day"),
    ],
)
def test_sessions_touching_midnight(received: datetime, start: datetime, reason: str) -> None:
    index = WorkingTimeIndex(SHARED_CALENDAR, EDGES, 2025, 2025)
    (code,) = index.start_reason_codes(us(received)).tolist()
    assert START_REASONS[code] == reason
    assert from_us(int(index.clock_start(us(received))[0])) == start
    clock = WorkingClock(SHARED_CALENDAR, EDGES)
    assert (clock.clock_start(received), clock.start_reason(received)) == (start, reason)


def test_construction_is_checked() -> None:
    with pytest.raises(ValueError, match=r"^first_year 2026 is after last_year 2025$"):
        WorkingTimeIndex(SHARED_CALENDAR, H, 2026, 2025)
    closed = CivilServiceCalendar([
        CalendarOverride(date(2025, 1, 1) + timedelta(d), "day_off", "Đóng cửa", "QĐ 1")
        for d in range(365)
    ])
    with pytest.raises(ValueError, match=r"^no working day at all in 2025–2025$"):
        WorkingTimeIndex(closed, H, 2025, 2025)


def test_the_datetime64_api_keeps_its_types() -> None:
    y2025 = year_2025()
    received = np.array(["2025-03-03T08:00:00", "2025-03-03T07:59:00"], dtype="datetime64[s]")
    # 15:00 and 14:59 local with a 15:00 cut-off: Tuesday's opening, and the receipt itself.
    start = y2025.batch_clock_start(received, time(15, 0))
    assert start.dtype == np.dtype("datetime64[us]")
    assert start.tolist() == [datetime(2025, 3, 4, 0, 30), datetime(2025, 3, 3, 7, 59)]
    due = y2025.batch_due(received, [60, 1.5], cutoff=time(15, 0))
    assert due.dtype == np.dtype("datetime64[us]")
    assert due.tolist() == [datetime(2025, 3, 4, 1, 30), datetime(2025, 3, 3, 8, 0, 30)]
    minutes = y2025.batch_working_minutes_between(start, due)
    assert minutes.dtype == np.float64 and minutes.tolist() == [60.0, 1.5]
    assert y2025.elapsed(us(L(2025, 3, 3, 9, 0))).dtype == np.int64
