"""DEADLINES.md §7: the explanation lets a supervisor redo the arithmetic by hand."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    ClockEvent,
    ProcedureRule,
    ProcessingTime,
    explain,
)
from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar

H = DEFAULT_OFFICE_HOURS


def L(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def test_explanation_across_tet_with_a_pause(cal: CivilServiceCalendar) -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(3), "working_days"))
    events = [
        ClockEvent(L(2025, 1, 23, 9, 0), 2),
        ClockEvent(L(2025, 1, 23, 14, 0), 5),
        ClockEvent(L(2025, 2, 3, 10, 0), 4),
    ]
    e = explain(
        L(2025, 1, 23, 8, 0),
        rule,
        events,
        cal,
        H,
        as_of=L(2025, 2, 5, 9, 0),
        portal_due_at=L(2025, 1, 28, 17, 0),
    )
    assert e.result.due_at == L(2025, 2, 5, 16, 0)
    assert sum(d.working_hours for d in e.counted_days) == 24
    assert [d.working_hours for d in e.counted_days] == [4, Decimal("5.5"), 8, Decimal("6.5")]
    skipped = {d.day: d for d in e.skipped_days}
    assert skipped[date(2025, 1, 29)].reason == "Tết Nguyên Đán"
    assert skipped[date(2025, 1, 25)].kind == "weekend"
    assert e.pauses[0].working_hours == 14
    text = e.to_text()
    assert unicodedata.is_normalized("NFC", text)
    for expected in (
        "Bắt đầu tính thời hạn: 08:00 Thứ Năm 23/01/2025",
        "Thứ Tư 29/01/2025: Tết Nguyên Đán",
        "(yêu cầu bổ sung hồ sơ): 14 giờ làm việc",
        "Thời hạn 3 ngày làm việc = 3 × 8 = 24 giờ làm việc.",
        "Cộng thời gian tạm dừng: 14 giờ làm việc.",
        "Tổng giờ làm việc được tính đến hạn: 24 giờ (4 + 5,5 + 8 + 6,5).",
        "Hạn giải quyết: 16:00 Thứ Tư 05/02/2025",
        "Ngày hẹn trả trên Cổng: 17:00 Thứ Ba 28/01/2025",
        "-22,5 giờ làm việc — LỆCH HẸN",
        "Sắp đến hạn",
    ):
        assert expected in text, expected
    data = json.loads(json.dumps(e.to_dict()))
    assert data["skipped_days"][2]["reason"] == "29 Tết"
    assert data["counted_days"][1]["working_hours"] == 5.5


def test_explanation_names_override_sources_and_cutoff() -> None:
    storm = CalendarOverride(date(2025, 3, 4), "day_off", "Nghỉ tránh bão số 3", "QĐ 77/QĐ-UBND")
    cal = CivilServiceCalendar([storm])
    rule = ProcedureRule(ProcessingTime.same_day(), cutoff=time(15, 0))
    e = explain(L(2025, 3, 3, 15, 20), rule, [], cal, H, as_of=L(2025, 3, 5, 9, 0))
    assert e.result.due_at == L(2025, 3, 5, 17, 30) and e.result.cutoff_applies
    text = e.to_text()
    assert "Tiếp nhận từ 15:00 (giờ chốt nhận hồ sơ của thủ tục) trở đi" in text
    assert "Thứ Ba 04/03/2025: Nghỉ tránh bão số 3 (theo QĐ 77/QĐ-UBND)" in text
    assert "Thời hạn trong ngày: hạn là cuối giờ làm việc: 17:30 Thứ Tư 05/03/2025." in text


def test_explanation_of_calendar_days_and_restart(cal: CivilServiceCalendar) -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(15), "calendar_days"), restart_on_supplement=True)
    events = [ClockEvent(L(2025, 4, 1, 9, 0), 5), ClockEvent(L(2025, 4, 15, 9, 0), 4)]
    e = explain(L(2025, 3, 31, 9, 0), rule, events, cal, H, as_of=L(2025, 4, 20, 9, 0))
    assert e.result.restarted_at == L(2025, 4, 15, 9, 0)
    assert e.result.due_at == L(2025, 5, 5, 17, 30)  # 30/4 + moved past 1/5, 2/5, weekend
    text = e.to_text()
    assert "Tính lại từ đầu thời hạn khi nhận hồ sơ bổ sung lúc 09:00 Thứ Ba 15/04/2025." in text
    assert "(không làm lùi hạn)" in text
    reasons = [d.reason for d in e.skipped_days]
    assert "Ngày Chiến thắng" in reasons and "Nghỉ hoán đổi dịp 30/4–1/5" in " ".join(reasons)


def test_explanation_without_a_catalogue_entry(cal: CivilServiceCalendar) -> None:
    e = explain(
        L(2025, 3, 3, 10, 0),
        None,
        [],
        cal,
        H,
        as_of=L(2025, 3, 4, 9, 0),
        portal_due_at=L(2025, 3, 6, 17, 0),
    )
    assert e.result.due_basis == "portal" and e.counted_days == ()
    assert "Thủ tục chưa có trong danh mục" in e.to_text()
