"""The "late steps by unit" table of the period report, and the on-time rate by unit
(DEADLINES.md §8), as rows for XLSX, CSV and the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.spreadsheet import append_row
from app.rates.schemas import UnitRate

UNIT_SHEET_TITLE = "Bước xử lý trễ hạn theo đơn vị (quy trình nội bộ)"
UNIT_HEADERS = ("Đơn vị xử lý", "Cơ quan", "Liên thông", "Số bước", "Trước hạn", "Đúng hạn",
                "Trễ hạn", "Không xác định hạn", "Tỷ lệ đúng hạn (%)", "Tổng giờ vượt",
                "Mẫu nhỏ")


def unit_row(r: UnitRate) -> list[Any]:
    rate = "" if r.on_time_rate is None else round(r.on_time_rate * 100, 2)
    return [r.unit, r.agency, "có" if r.inter_agency else "", r.steps, r.early, r.on_time,
            r.late, r.no_due, rate, round(r.overrun_working_hours, 2),
            "có" if r.small_sample else ""]


def unit_table_rows(rows: Sequence[UnitRate]) -> list[list[Any]]:
    return [list(UNIT_HEADERS), *(unit_row(r) for r in rows)]


def add_unit_sheet(workbook: Workbook, rows: Sequence[UnitRate]) -> None:
    sheet = workbook.create_sheet("Bước trễ theo đơn vị")
    append_row(sheet, [UNIT_SHEET_TITLE])
    sheet["A1"].font = Font(bold=True, size=12)
    for row in unit_table_rows(rows):
        append_row(sheet, row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 32
