"""DEADLINES.md §2–§4: clock start, the four units, and worked examples around the holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    OfficeHoursSchedule,
    ProcessingTime,
    compute_due,
    working_clock,
)
from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar

H = DEFAULT_OFFICE_HOURS


def L(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def wd(n: str) -> ProcessingTime:
    return ProcessingTime(Decimal(n), "working_days")


def wh(n: str) -> ProcessingTime:
    return ProcessingTime(Decimal(n), "working_hours")


def cd(n: int) -> ProcessingTime:
    return ProcessingTime(Decimal(n), "calendar_days")


SAME_DAY = ProcessingTime.same_day()


@pytest.mark.parametrize(
    ("received", "start", "reason"),
    [
        (L(2025, 3, 3, 7, 30), L(2025, 3, 3, 7, 30), "in_session"),  # [open, close)
        (L(2025, 3, 3, 10, 0), L(2025, 3, 3, 10, 0), "in_session"),
        (L(2025, 3, 3, 11, 30), L(2025, 3, 3, 13, 30), "between_sessions"),  # 11:30 is outside
        (L(2025, 3, 3, 12, 15), L(2025, 3, 3, 13, 30), "between_sessions"),
        (L(2025, 3, 3, 6, 0), L(2025, 3, 3, 7, 30), "before_opening"),
        (L(2025, 3, 3, 17, 30), L(2025, 3, 4, 7, 30), "after_closing"),
        (L(2025, 3, 7, 20, 0), L(2025, 3, 10, 7, 30), "after_closing"),  # Friday night
        (L(2025, 3, 8, 9, 0), L(2025, 3, 10, 7, 30), "non_working_day"),
        (L(2025, 1, 27, 9, 0), L(2025, 2, 3, 7, 30), "non_working_day"),  # Tết 2025
        (L(2024, 5, 4, 9, 0), L(2024, 5, 4, 9, 0), "in_session"),  # make-up Saturday
    ],
)
def test_clock_start(
    cal: CivilServiceCalendar, received: datetime, start: datetime, reason: str
) -> None:
    clock = working_clock(cal, H)
    assert clock.clock_start(received) == start
    assert clock.start_reason(received) == reason


def test_cutoff_moves_the_start_to_the_next_working_day(cal: CivilServiceCalendar) -> None:
    clock = working_clock(cal, H)
    cutoff = time(15, 0)
    assert clock.clock_start(L(2025, 3, 3, 14, 59), cutoff) == L(2025, 3, 3, 14, 59)
    assert clock.clock_start(L(2025, 3, 3, 15, 0), cutoff) == L(2025, 3, 4, 7, 30)
    assert clock.start_reason(L(2025, 3, 3, 15, 0), cutoff) == "after_cutoff"
    assert clock.clock_start(L(2025, 3, 7, 15, 20), cutoff) == L(2025, 3, 10, 7, 30)
    assert clock.clock_start(L(2025, 4, 29, 16, 0), cutoff) == L(2025, 5, 5, 7, 30)


@pytest.mark.parametrize(
    ("received", "pt", "due"),
    [
        # §4 verbatim: Monday 10:00 + 1 working day -> Tuesday 10:00.
        (L(2025, 3, 3, 10, 0), wd("1"), L(2025, 3, 4, 10, 0)),
        # §4 verbatim: Friday 16:00 + 1 working day -> Monday 16:00.
        (L(2025, 3, 7, 16, 0), wd("1"), L(2025, 3, 10, 16, 0)),
        (L(2025, 3, 3, 7, 30), wd("0.5"), L(2025, 3, 3, 11, 30)),  # ends at the session end
        (L(2025, 3, 3, 7, 30), wd("1"), L(2025, 3, 3, 17, 30)),
        (L(2025, 3, 3, 12, 0), wd("1"), L(2025, 3, 4, 11, 30)),  # lunch receipt
        (L(2025, 3, 3, 18, 0), wd("1"), L(2025, 3, 4, 17, 30)),  # after-hours receipt
        (L(2025, 3, 3, 10, 0), wh("3"), L(2025, 3, 3, 15, 0)),  # across the break
        (L(2025, 3, 3, 9, 30), wh("2"), L(2025, 3, 3, 11, 30)),
        (L(2025, 3, 3, 10, 0), wh("0.25"), L(2025, 3, 3, 10, 15)),
        # Tết 2024: Wed 7/2 10:00 + 2 days skips 8/2–14/2 and the weekend.
        (L(2024, 2, 7, 10, 0), wd("2"), L(2024, 2, 16, 10, 0)),
        # Tết 2025: Fri 24/1 9:00 + 1 day -> Mon 3/2.
        (L(2025, 1, 24, 9, 0), wd("1"), L(2025, 2, 3, 9, 0)),
        # Tết 2026: Fri 13/2 + 1 day skips 16/2–20/2.
        (L(2026, 2, 13, 14, 0), wd("1"), L(2026, 2, 23, 14, 0)),
        # 30/4–1/5 2024 with the 29/4 swap and make-up Saturday 4/5.
        (L(2024, 4, 26, 10, 0), wd("1"), L(2024, 5, 2, 10, 0)),
        (L(2024, 5, 3, 10, 0), wd("1"), L(2024, 5, 4, 10, 0)),
        # 2025: make-up Saturday 26/4 then 30/4–2/5 off.
        (L(2025, 4, 25, 10, 0), wd("1"), L(2025, 4, 26, 10, 0)),
        (L(2025, 4, 29, 10, 0), wd("1"), L(2025, 5, 5, 10, 0)),
        # 2/9: 2024 (2–3/9), 2025 (1–2/9), 2026 (31/8–2/9 after make-up Saturday 22/8).
        (L(2024, 8, 30, 10, 0), wd("1"), L(2024, 9, 4, 10, 0)),
        (L(2025, 8, 29, 10, 0), wd("1"), L(2025, 9, 3, 10, 0)),
        (L(2026, 8, 21, 10, 0), wd("1"), L(2026, 8, 22, 10, 0)),
        (L(2026, 8, 28, 10, 0), wd("1"), L(2026, 9, 3, 10, 0)),
        # 24/11/2026 Vietnamese Culture Day.
        (L(2026, 11, 23, 10, 0), wd("1"), L(2026, 11, 25, 10, 0)),
        # Hùng Kings' day 2026 in lieu on Monday 27/4, then 30/4–1/5.
        (L(2026, 4, 24, 10, 0), wd("2"), L(2026, 4, 29, 10, 0)),
        (L(2026, 4, 29, 10, 0), wd("1"), L(2026, 5, 4, 10, 0)),
    ],
)
def test_working_time_dues(
    cal: CivilServiceCalendar, received: datetime, pt: ProcessingTime, due: datetime
) -> None:
    assert compute_due(received, pt, cal, H) == due


def test_calendar_days(cal: CivilServiceCalendar) -> None:
    # Mon 3/3/2025 + 15 days = Tue 18/3, a working day: due at its close.
    assert compute_due(L(2025, 3, 3, 10, 0), cd(15), cal, H) == L(2025, 3, 18, 17, 30)
    # Landing on Saturday 15/3 -> Monday 17/3.
    assert compute_due(L(2025, 3, 3, 10, 0), cd(12), cal, H) == L(2025, 3, 17, 17, 30)
    # Landing on 30/4/2025 (holiday) -> moved past 1/5, 2/5 and the weekend to Mon 5/5.
    assert compute_due(L(2025, 4, 15, 9, 0), cd(15), cal, H) == L(2025, 5, 5, 17, 30)
    # Landing on Tết 2026.
    assert compute_due(L(2026, 2, 6, 9, 0), cd(10), cal, H) == L(2026, 2, 23, 17, 30)
    # Counted from the clock start's date: received Saturday -> starts Monday 10/3.
    assert compute_due(L(2025, 3, 8, 9, 0), cd(1), cal, H) == L(2025, 3, 11, 17, 30)
    # Zero calendar days = the close of the starting day.
    assert compute_due(L(2025, 3, 3, 9, 0), cd(0), cal, H) == L(2025, 3, 3, 17, 30)


def test_same_day(cal: CivilServiceCalendar) -> None:
    assert compute_due(L(2025, 3, 3, 9, 0), SAME_DAY, cal, H) == L(2025, 3, 3, 17, 30)
    assert compute_due(L(2025, 3, 3, 19, 0), SAME_DAY, cal, H) == L(2025, 3, 4, 17, 30)
    # §4: with a 15:00 cut-off, a request received at 15:20 is due at the next day's close.
    assert compute_due(L(2025, 3, 3, 15, 20), SAME_DAY, cal, H, cutoff=time(15)) == L(
        2025, 3, 4, 17, 30
    )
    assert compute_due(L(2025, 3, 3, 14, 50), SAME_DAY, cal, H, cutoff=time(15)) == L(
        2025, 3, 3, 17, 30
    )


def test_make_up_saturday_has_weekday_sessions(cal: CivilServiceCalendar) -> None:
    assert compute_due(L(2024, 5, 4, 7, 30), wd("1"), cal, H) == L(2024, 5, 4, 17, 30)
    assert compute_due(L(2024, 5, 4, 12, 0), wh("1"), cal, H) == L(2024, 5, 4, 14, 30)


def test_overrides_change_the_due(cal: CivilServiceCalendar) -> None:
    storm = CalendarOverride(date(2025, 3, 4), "day_off", "Nghỉ tránh bão", "QĐ 5/QĐ-UBND")
    closed = CivilServiceCalendar([storm])
    assert compute_due(L(2025, 3, 3, 10, 0), wd("1"), closed, H) == L(2025, 3, 5, 10, 0)
    assert compute_due(L(2025, 3, 3, 10, 0), wd("1"), cal, H) == L(2025, 3, 4, 10, 0)


def test_agency_hours_with_effective_dates(cal: CivilServiceCalendar) -> None:
    summer = OfficeHours(((time(7, 0), time(11, 0)), (time(13, 30), time(17, 30))))
    winter = OfficeHours(((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))))
    schedule = OfficeHoursSchedule([(date(2025, 10, 15), winter), (date(2025, 4, 15), summer)])
    assert schedule.for_day(date(2025, 1, 1)) is summer  # before the first entry
    assert schedule.for_day(date(2025, 10, 14)) is summer
    assert schedule.for_day(date(2025, 10, 15)) is winter
    # Summer: 10:00 + 2 h crosses the 11:00 close into 13:30.
    assert compute_due(L(2025, 6, 2, 10, 0), wh("2"), cal, schedule) == L(2025, 6, 2, 14, 30)
    assert compute_due(L(2025, 11, 3, 10, 0), wh("2"), cal, schedule) == L(2025, 11, 3, 13, 30)
    assert compute_due(L(2025, 11, 3, 17, 10), SAME_DAY, cal, schedule) == L(2025, 11, 4, 17, 0)
    # Summer Tue 14/10 16:00–17:30 is 1.5 h, then winter hours: Wed 15/10 07:30 + 0.5 h.
    assert compute_due(L(2025, 10, 14, 16, 0), wh("2"), cal, schedule) == L(2025, 10, 15, 8, 0)


def test_single_session_hours(cal: CivilServiceCalendar) -> None:
    one = OfficeHours(((time(8, 0), time(16, 0)),))
    assert compute_due(L(2025, 3, 3, 12, 0), wd("1"), cal, one) == L(2025, 3, 4, 12, 0)


@pytest.mark.parametrize(
    "sessions",
    [
        (),
        ((time(11, 0), time(9, 0)),),
        ((time(7, 30), time(11, 30)), (time(11, 0), time(17, 0))),
        ((time(7, 30, 15), time(11, 30)),),
    ],
)
def test_office_hours_validation(sessions: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        OfficeHours(sessions)


def test_schedule_validation() -> None:
    with pytest.raises(ValueError, match="at least one"):
        OfficeHoursSchedule([])
    with pytest.raises(ValueError, match="same day"):
        OfficeHoursSchedule([(date(2025, 1, 1), H), (date(2025, 1, 1), H)])


def test_instants_out_are_utc_and_naive_in_is_refused(cal: CivilServiceCalendar) -> None:
    due = compute_due(L(2025, 3, 3, 10, 0), wd("1"), cal, H)
    assert due.tzinfo == UTC and due == datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        compute_due(datetime(2025, 3, 3, 10, 0), wd("1"), cal, H)
    # Same instant given in another zone gives the same due.
    assert compute_due(datetime(2025, 3, 3, 3, 0, tzinfo=UTC), wd("1"), cal, H) == due


def test_long_durations_and_old_years_grow_the_index(cal: CivilServiceCalendar) -> None:
    due = compute_due(L(2019, 12, 30, 9, 0), wd("400"), cal, H)
    assert due.astimezone(LOCAL_TZ).year == 2021
    clock = working_clock(cal, H)
    assert clock.working_between(L(2019, 12, 30, 9, 0), due) == 400 * 8 * 3_600_000_000
    with pytest.raises(ValueError, match="1990"):
        compute_due(L(1980, 1, 2, 9, 0), wd("1"), cal, H)
