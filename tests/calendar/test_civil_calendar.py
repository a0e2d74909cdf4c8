from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar


def test_ordinary_days() -> None:
    calendar = CivilServiceCalendar()
    monday = calendar.describe(date(2025, 3, 3))
    assert monday.is_working and monday.kind == "working_day"
    saturday = calendar.describe(date(2025, 3, 8))
    assert not saturday.is_working and saturday.kind == "weekend"
    assert saturday.reason == "Nghỉ cuối tuần (Thứ Bảy)"
    assert calendar.describe(date(2025, 3, 9)).reason == "Nghỉ cuối tuần (Chủ nhật)"


def test_holiday_names_are_vietnamese_nfc() -> None:
    calendar = CivilServiceCalendar()
    info = calendar.describe(date(2025, 9, 2))
    assert (info.is_working, info.kind, info.reason) == (False, "holiday", "Quốc khánh")
    tet = calendar.describe(date(2025, 1, 29))
    assert tet.reason == "Tết Nguyên Đán"
    assert unicodedata.is_normalized("NFC", tet.reason)
    weekend_tet = calendar.describe(date(2024, 2, 10))
    assert weekend_tet.kind == "holiday" and "Thứ Bảy" in weekend_tet.reason


def test_official_entries_carry_their_source() -> None:
    calendar = CivilServiceCalendar()
    makeup = calendar.describe(date(2026, 8, 22))
    assert makeup.is_working and makeup.kind == "make_up_working_day"
    assert makeup.source is not None and "9441/TB-BNV" in makeup.source
    swap = calendar.describe(date(2024, 4, 29))
    assert (swap.is_working, swap.kind, swap.source) == (
        False,
        "official_day_off",
        "CV 2450/VPCP-KGVX",
    )
    culture = calendar.describe(date(2026, 11, 24))
    assert culture.reason == "Ngày Văn hóa Việt Nam" and not culture.is_working


def test_python_holidays_make_up_days_are_used_without_an_official_entry() -> None:
    # 2019-01-05 is in python-holidays' weekend_workdays; the built-in table stops at 2024.
    calendar = CivilServiceCalendar(official=())
    info = calendar.describe(date(2019, 1, 5))
    assert info.is_working and info.kind == "make_up_working_day"
    # Without the built-in table the 2026 swap still comes from python-holidays.
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))


def test_overrides_always_win() -> None:
    storm = CalendarOverride(date(2025, 3, 5), "day_off", "Nghỉ tránh bão", "QĐ 12/QĐ-UBND")
    tet_work = CalendarOverride(date(2025, 1, 29), "working_day", "Trực Tết", "CV 3/UBND")
    undo_makeup = CalendarOverride(date(2026, 8, 22), "day_off", "Hủy làm bù", "TB 1/BNV")
    calendar = CivilServiceCalendar([storm, tet_work, undo_makeup])
    info = calendar.describe(date(2025, 3, 5))
    assert (info.is_working, info.kind, info.reason, info.source) == (
        False,
        "override_day_off",
        "Nghỉ tránh bão",
        "QĐ 12/QĐ-UBND",
    )
    assert calendar.describe(date(2025, 1, 29)).kind == "override_working_day"
    assert not calendar.is_working_day(date(2026, 8, 22))
    assert calendar.overrides == (tet_work, storm, undo_makeup)


def test_conflicting_overrides_are_refused() -> None:
    a = CalendarOverride(date(2025, 3, 5), "day_off", "Bão", "QĐ 1")
    b = CalendarOverride(date(2025, 3, 5), "working_day", "Làm", "QĐ 2")
    with pytest.raises(ValueError, match="two overrides for 2025-03-05"):
        CivilServiceCalendar([a, b])
    assert CivilServiceCalendar([a, a]).overrides == (a,)


@pytest.mark.parametrize(
    ("kind", "reason", "source", "message"),
    [
        ("holiday", "x", "y", "kind"),
        ("day_off", "  ", "y", "reason"),
        ("day_off", "x", "", "source"),
    ],
)
def test_override_validation(kind: str, reason: str, source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CalendarOverride(date(2025, 1, 2), kind, reason, source)  # type: ignore[arg-type]


def test_override_text_is_normalised_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghỉ bão")
    override = CalendarOverride(date(2025, 1, 2), "day_off", decomposed, "QĐ 1")
    assert override.reason == "Nghỉ bão"


def test_next_working_day_and_iteration() -> None:
    calendar = CivilServiceCalendar()
    assert calendar.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)  # across Tết
    assert calendar.next_working_day(date(2024, 5, 3)) == date(2024, 5, 4)  # make-up Saturday
    assert calendar.working_day_on_or_after(date(2025, 3, 3)) == date(2025, 3, 3)
    skipped = calendar.non_working_days(date(2025, 4, 29), date(2025, 5, 5))
    assert [d.day.day for d in skipped] == [30, 1, 2, 3, 4]
    assert skipped[0].to_dict()["weekday"] == "Thứ Tư"
    assert skipped[2].to_text().endswith("(theo TB 6150/TB-BLĐTBXH)")


def test_a_year_of_days_off_is_refused() -> None:
    start = date(2030, 1, 1)
    closed = [
        CalendarOverride(date.fromordinal(start.toordinal() + i), "day_off", "Đóng", "QĐ 9")
        for i in range(400)
    ]
    with pytest.raises(ValueError, match="no working day"):
        CivilServiceCalendar(closed).next_working_day(start)
