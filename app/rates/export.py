"""The period report as a table with Biểu II.06a's Vietnamese headers: CSV, XLSX, rows for the
CLI. One column list serves all three, so they cannot disagree."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from openpyxl.styles import Alignment, Font

from app.core.clock import to_local
from app.core.spreadsheet import append_row, csv_text, new_workbook
from app.rates.export_units import UNIT_SHEET_TITLE, add_unit_sheet, unit_table_rows
from app.rates.schemas import Figures, PeriodReport, ReportGroup


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


Column = tuple[str, Callable[[Figures], Any]]

COLUMNS: list[Column] = [
    ("Tổng số hồ sơ nhận giải quyết", lambda f: f.total_to_process),
    ("Trong kỳ: trực tuyến", lambda f: f.received_online),
    ("Trong kỳ: trực tiếp, dịch vụ bưu chính", lambda f: f.received_in_person_or_postal),
    ("Từ kỳ trước chuyển qua", lambda f: f.carried_over),
    ("Đã giải quyết: tổng số", lambda f: f.resolved),
    ("Trước hạn", lambda f: f.early),
    ("Đúng hạn", lambda f: f.on_time),
    ("Quá hạn", lambda f: f.late),
    ("Đang giải quyết: tổng số", lambda f: f.open_at_end),
    ("Trong hạn", lambda f: f.open_in_time),
    ("Quá hạn (đang giải quyết)", lambda f: f.open_overdue),
    ("Tạm dừng", lambda f: f.open_paused),
    ("Không tính (chưa tiếp nhận, từ chối, rút, dừng)", lambda f: f.excluded),
    ("Tỷ lệ đúng hạn (%)", lambda f: _pct(f.on_time_rate)),
    ("Tỷ lệ trễ hạn trên tổng số (%)", lambda f: _pct(f.late_rate_all)),
    ("Điểm tiến độ giải quyết", lambda f: _score(f.progress_score)),
    ("Quá hạn chưa xin lỗi", lambda f: f.late_without_apology),
    ("Mẫu nhỏ", lambda f: "có" if f.small_sample else ""),
    ("Số liệu khớp", lambda f: "có" if f.reconciles else "KHÔNG"),
]

FIRST_HEADERS = ("Mã", "Đơn vị / nhóm")
TOTAL_LABEL = "Tổng cộng"


def table_rows(report: PeriodReport) -> list[list[Any]]:
    """Header row, one row per group, then the totals row."""
    rows: list[list[Any]] = [[*FIRST_HEADERS, *(name for name, _ in COLUMNS)]]
    groups: list[ReportGroup] = report.groups or []
    for group in groups:
        label = "    " * group.level + group.label
        rows.append([group.key, label, *(get(group) for _, get in COLUMNS)])
    rows.append(["", TOTAL_LABEL, *(get(report) for _, get in COLUMNS)])
    return rows


def title(report: PeriodReport) -> str:
    last_day = to_local(report.period_to - timedelta(microseconds=1)).date()
    return (
        "Tình hình, kết quả giải quyết thủ tục hành chính (Biểu II.06a/VPCP/KSTT) — kỳ "
        f"{to_local(report.period_from):%d/%m/%Y}–{last_day:%d/%m/%Y}"
    )


def to_csv(report: PeriodReport) -> str:
    findings = [["", f"Phát hiện: {finding}"] for finding in report.findings]
    units = unit_table_rows(report.late_steps_by_unit) if report.late_steps_by_unit else []
    heading = [[], ["", UNIT_SHEET_TITLE]] if units else []
    return csv_text([*table_rows(report), *findings, *heading, *units])


def to_xlsx(report: PeriodReport) -> bytes:
    workbook = new_workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "II.06a"
    append_row(sheet, [title(report)])
    sheet["A1"].font = Font(bold=True, size=12)
    rows = table_rows(report)
    append_row(sheet, rows[0])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows[1:]:
        append_row(sheet, [_number(value) for value in row])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for finding in report.findings:
        append_row(sheet, ["", f"Phát hiện: {finding}"])
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "C3"
    if report.late_steps_by_unit:
        add_unit_sheet(workbook, report.late_steps_by_unit)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number(value: Any) -> Any:
    # Percentages and scores are strings for CSV; XLSX gets numbers it can sum and sort.
    if isinstance(value, str) and value.replace(".", "", 1).isdigit():
        return float(value)
    return value
