"""'Explain this deadline' (DEADLINES.md §7): every step a supervisor needs to redo it by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from app.core.clock import LOCAL_TZ
from app.deadlines.calendar import CivilServiceCalendar, DayInfo
from app.deadlines.engine import Hours, evaluate
from app.deadlines.events import ClockEvent
from app.deadlines.explain_text import (
    CLASSIFICATION_VI,
    PAUSE_STATUS_VI,
    hours_text,
    start_reason_text,
    when,
)
from app.deadlines.hours import WORKING_DAY_HOURS, OfficeHoursSchedule
from app.deadlines.result import DeadlineResult, PauseSpan
from app.deadlines.rules import ProcedureRule


@dataclass(frozen=True, slots=True)
class CountedDay:
    """Working time counted on one day between the clock start and the due (pauses removed)."""

    day: date
    intervals: tuple[tuple[datetime, datetime], ...]
    working_hours: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "intervals": [[a.isoformat(), b.isoformat()] for a, b in self.intervals],
            "working_hours": float(self.working_hours),
        }

    def to_text(self) -> str:
        spans = ", ".join(
            f"{a.astimezone(LOCAL_TZ):%H:%M}–{b.astimezone(LOCAL_TZ):%H:%M}"
            for a, b in self.intervals
        )
        return f"{self.day:%d/%m/%Y}: {spans} = {hours_text(self.working_hours)} giờ"


@dataclass(frozen=True, slots=True)
class Explanation:
    result: DeadlineResult
    clock_start_text: str
    office_hours: str
    arithmetic: tuple[str, ...]
    counted_days: tuple[CountedDay, ...]
    skipped_days: tuple[DayInfo, ...]
    pauses: tuple[PauseSpan, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result.to_dict(),
            "clock_start_text": self.clock_start_text,
            "office_hours": self.office_hours,
            "arithmetic": list(self.arithmetic),
            "counted_days": [d.to_dict() for d in self.counted_days],
            "skipped_days": [d.to_dict() for d in self.skipped_days],
            "pauses": [p.to_dict() for p in self.pauses],
        }

    def to_text(self) -> str:
        r = self.result
        lines = [
            f"Tiếp nhận: {when(r.received_at)}",
            f"Bắt đầu tính thời hạn: {when(r.clock_started_at)}. {self.clock_start_text}",
            f"Giờ làm việc: {self.office_hours}",
        ]
        if r.restarted_at is not None:
            lines.append(
                f"Tính lại từ đầu thời hạn khi nhận hồ sơ bổ sung lúc {when(r.restarted_at)}."
            )
        if self.skipped_days:
            lines.append("Ngày không tính (ngày nghỉ):")
            lines.extend(f"  - {d.to_text()}" for d in self.skipped_days)
        if self.pauses:
            lines.append("Tạm dừng tính thời hạn:")
            for p in self.pauses:
                why = ", ".join(PAUSE_STATUS_VI.get(s, str(s)) for s in p.statuses)
                effect = "" if p.shifted_due else " (không làm lùi hạn)"
                lines.append(
                    f"  - từ {when(p.start)} đến {when(p.end) if p.end else 'nay'} ({why}): "
                    f"{hours_text(p.working_hours)} giờ làm việc{effect}"
                )
        if self.counted_days:
            lines.append("Giờ làm việc được tính từng ngày:")
            lines.extend(f"  - {d.to_text()}" for d in self.counted_days)
        lines.extend(self.arithmetic)
        lines.append(f"Hạn giải quyết: {when(r.due_at)}")
        lines.append(f"Ngày hẹn trả trên Cổng: {when(r.portal_due_at)}")
        if r.appointment_difference_hours is not None:
            flag = " — LỆCH HẸN, cần kiểm tra" if r.appointment_mismatch else ""
            lines.append(
                f"Chênh lệch hẹn trả so với hạn luật định: "
                f"{hours_text(r.appointment_difference_hours)} giờ làm việc{flag}"
            )
        lines.append(f"Tình trạng lúc {when(r.as_of)}: {CLASSIFICATION_VI[r.classification]}")
        return "\n".join(lines)


def _subtract(
    interval: tuple[datetime, datetime], holes: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [interval]
    for hole_start, hole_end in holes:
        kept: list[tuple[datetime, datetime]] = []
        for a, b in pieces:
            if hole_end <= a or hole_start >= b:
                kept.append((a, b))
                continue
            if a < hole_start:
                kept.append((a, hole_start))
            if hole_end < b:
                kept.append((hole_end, b))
        pieces = kept
    return pieces


def _counted_days(
    calendar: CivilServiceCalendar,
    schedule: OfficeHoursSchedule,
    start: datetime,
    due: datetime,
    holes: list[tuple[datetime, datetime]],
) -> tuple[CountedDay, ...]:
    days: list[CountedDay] = []
    first, last = start.astimezone(LOCAL_TZ).date(), due.astimezone(LOCAL_TZ).date()
    for day in calendar.working_days(first, last):
        intervals: list[tuple[datetime, datetime]] = []
        for opening, closing in schedule.for_day(day).local_sessions(day):
            a, b = max(opening, start), min(closing, due)
            if a < b:
                intervals.extend(_subtract((a, b), holes))
        if intervals:
            total = sum(((b - a).total_seconds() for a, b in intervals), 0.0)
            hours = (Decimal(str(total)) / 3600).quantize(Decimal("0.0001")).normalize()
            days.append(
                CountedDay(
                    day, tuple((a.astimezone(UTC), b.astimezone(UTC)) for a, b in intervals), hours
                )
            )
    return tuple(days)


def _arithmetic(result: DeadlineResult, counted: tuple[CountedDay, ...]) -> tuple[str, ...]:
    pt = result.processing_time
    lines: list[str] = []
    shifted = sum((p.working_hours for p in result.pauses if p.shifted_due), Decimal(0))
    if pt is None and result.portal_due_at is None:
        lines.append(
            "Thủ tục chưa có trong danh mục và hệ thống gửi không có ngày hẹn trả: chưa xác "
            "định được hạn giải quyết."
        )
        return tuple(lines)
    if pt is None:
        lines.append(
            "Thủ tục chưa có trong danh mục: hạn giải quyết lấy theo ngày hẹn trả của Cổng."
        )
        return tuple(lines)
    if pt.unit == "working_days":
        total = pt.value * WORKING_DAY_HOURS
        lines.append(
            f"Thời hạn {pt.label()} = {hours_text(pt.value)} × {WORKING_DAY_HOURS} = "
            f"{hours_text(total)} giờ làm việc."
        )
    elif pt.unit == "working_hours":
        lines.append(f"Thời hạn {pt.label()}.")
    elif pt.unit == "calendar_days":
        lines.append(
            f"Thời hạn {pt.label()}: ngày bắt đầu tính + {hours_text(pt.value)} ngày; nếu rơi vào "
            f"ngày nghỉ thì lùi sang ngày làm việc tiếp theo; hạn là cuối giờ làm việc: "
            f"{when(result.base_due_at)}."
        )
    else:
        lines.append(f"Thời hạn trong ngày: hạn là cuối giờ làm việc: {when(result.base_due_at)}.")
    if shifted:
        lines.append(f"Cộng thời gian tạm dừng: {hours_text(shifted)} giờ làm việc.")
    if counted and result.due_at is not None:
        total_counted = sum((d.working_hours for d in counted), Decimal(0))
        lines.append(
            f"Tổng giờ làm việc được tính đến hạn: {hours_text(total_counted)} giờ "
            f"({' + '.join(hours_text(d.working_hours) for d in counted)})."
        )
    return tuple(lines)


def explain_result(
    result: DeadlineResult, calendar: CivilServiceCalendar, hours: Hours, cutoff: time | None = None
) -> Explanation:
    schedule = OfficeHoursSchedule.coerce(hours)
    start = result.clock_started_at
    due = result.due_at
    end = due if due is not None else result.as_of
    holes = [
        (p.start, p.end)
        for p in result.pauses
        if p.end is not None and (p.shifted_due or due is None)
    ]
    counted = (
        _counted_days(calendar, schedule, start, end, holes) if result.due_basis == "legal" else ()
    )
    skipped = tuple(
        calendar.non_working_days(
            result.received_at.astimezone(LOCAL_TZ).date(),
            max(start, end).astimezone(LOCAL_TZ).date(),
        )
    )
    return Explanation(
        result=result,
        clock_start_text=start_reason_text(result.clock_start_reason, cutoff),
        office_hours=" ; ".join(
            f"từ {d:%d/%m/%Y}: {h.label()}" if d != date.min else h.label()
            for d, h in schedule.entries
        ),
        arithmetic=_arithmetic(result, counted),
        counted_days=counted,
        skipped_days=skipped,
        pauses=result.pauses,
    )


def explain(
    received_at: datetime,
    rule: ProcedureRule | None,
    events: Iterable[ClockEvent],
    calendar: CivilServiceCalendar,
    hours: Hours,
    **kwargs: Any,
) -> Explanation:
    """Same arguments as `evaluate`; returns the result with its step-by-step explanation."""
    result = evaluate(received_at, rule, events, calendar, hours, **kwargs)
    return explain_result(result, calendar, hours, rule.cutoff if rule is not None else None)
