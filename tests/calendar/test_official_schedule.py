"""Pins DEADLINES.md §1's official 2024–2026 schedule, every day of those years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.deadlines.calendar import CivilServiceCalendar


def _span(start: date, end: date) -> set[date]:
    """The weekdays of a holiday period (its weekend days are off anyway)."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return {d for d in days if d.weekday() < 5}


WEEKDAYS_OFF: dict[int, set[date]] = {
    2024: {date(2024, 1, 1)}
    | _span(date(2024, 2, 8), date(2024, 2, 14))
    | {date(2024, 4, 18), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)}
    | {date(2024, 9, 2), date(2024, 9, 3)},
    2025: {date(2025, 1, 1)}
    | _span(date(2025, 1, 27), date(2025, 1, 31))
    | {date(2025, 4, 7), date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)}
    | {date(2025, 9, 1), date(2025, 9, 2)},
    2026: {date(2026, 1, 1)}
    | _span(date(2026, 2, 16), date(2026, 2, 20))
    | {date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)}
    | {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24)},
}
MAKE_UP_SATURDAYS = {2024: date(2024, 5, 4), 2025: date(2025, 4, 26), 2026: date(2026, 8, 22)}


def expected_working(day: date) -> bool:
    if day == MAKE_UP_SATURDAYS[day.year]:
        return True
    if day.weekday() >= 5:
        return False
    return day not in WEEKDAYS_OFF[day.year]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_matches_the_official_schedule(year: int) -> None:
    calendar = CivilServiceCalendar()
    wrong = [
        (info.day.isoformat(), info.is_working, info.reason)
        for info in calendar.days(date(year, 1, 1), date(year, 12, 31))
        if info.is_working != expected_working(info.day)
    ]
    assert wrong == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_table_is_self_consistent(year: int) -> None:
    # Guards the test itself: every listed day off is a weekday, every make-up day a Saturday.
    assert all(d.weekday() < 5 and d.year == year for d in WEEKDAYS_OFF[year])
    assert MAKE_UP_SATURDAYS[year].weekday() == 5


def test_working_day_counts_per_year() -> None:
    calendar = CivilServiceCalendar()
    counts = {
        year: sum(1 for _ in calendar.working_days(date(year, 1, 1), date(year, 12, 31)))
        for year in (2024, 2025, 2026)
    }
    # Weekdays minus the weekday days off, plus the make-up Saturday.
    assert counts == {2024: 262 - 12 + 1, 2025: 261 - 12 + 1, 2026: 261 - 13 + 1}
