"""Excel export of a work list: the rows of the current filter, streamed as an .xlsx file.

openpyxl's write-only workbook keeps memory flat; it writes into a spooled temporary file
(memory first, disk past a few MB) that the response then streams in chunks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from app.core.clock import LOCAL_TZ
from app.core.spreadsheet import append_row, new_workbook
from app.deadlines import WORKING_DAY_HOURS
from app.dossiers.lists import ListKind
from app.dossiers.service import WorkListItem

EXPORT_ROW_LIMIT = 20_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
SHEET_TITLES: dict[ListKind, str] = {"overdue": "Quá hạn", "due_soon": "Sắp đến hạn"}
FILE_NAMES: dict[ListKind, str] = {"overdue": "ho-so-qua-han", "due_soon": "ho-so-sap-den-han"}
FILTER_LABELS = {"agency": "Cơ quan", "procedure": "Thủ tục", "field": "Lĩnh vực"}
HEADERS = (
    "Mã hồ sơ",
    "Mã thủ tục",
    "Tên thủ tục",
    "Mã lĩnh vực",
    "Mã cơ quan",
    "Cơ quan",
    "Tiếp nhận",
    "Hạn giải quyết",
    "Hẹn trả trên Cổng",
    "Giờ làm việc quá hạn (âm: còn lại)",
    "Ngày làm việc quá hạn (âm: còn lại)",
    "Lệch hẹn",
    "Hẹn lại đến",
    "Trễ chưa xin lỗi",
    "Đã chuyển thủ trưởng",
)


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the Vietnamese wall-clock time the pages show.
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value is not None else None


def _yes(value: bool) -> str:
    return "Có" if value else ""


def row_values(item: WorkListItem) -> list[object]:
    d, p, a = item.row.dossier, item.row.procedure, item.row.agency
    hours = round(float(item.working_hours_late), 2)
    return [
        d.code,
        p.code,
        p.name,
        p.field_code or "",
        a.code,
        a.name,
        _local(d.received_at),
        _local(d.due_at),
        _local(d.portal_due_at),
        hours,
        round(hours / WORKING_DAY_HOURS, 2),
        _yes(d.appointment_mismatch),
        _local(d.reappointed_due_at),
        _yes(d.late_without_apology),
        _yes(d.escalated),
    ]


def bold_cells(sheet: WriteOnlyWorksheet, texts: Sequence[str]) -> list[object]:
    """A header row's cells."""
    cells: list[object] = []
    for text in texts:
        cell = WriteOnlyCell(sheet, text)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _write(
    sheet: WriteOnlyWorksheet,
    kind: ListKind,
    items: Sequence[WorkListItem],
    now: datetime,
    filters: Mapping[str, str],
    truncated: bool,
) -> None:
    bold = Font(bold=True)
    title = WriteOnlyCell(sheet, f"Danh sách hồ sơ {SHEET_TITLES[kind].lower()}")
    title.font = bold
    append_row(sheet, [title])
    append_row(sheet, [f"Tính đến: {now.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y} (giờ Việt Nam)"])
    described = "; ".join(f"{FILTER_LABELS[k]}: {v}" for k, v in filters.items())
    append_row(sheet, [f"Bộ lọc: {described or 'không'}"])
    if truncated:
        append_row(sheet, [f"Chỉ xuất {EXPORT_ROW_LIMIT} dòng đầu; hãy lọc hẹp hơn để xuất đủ."])
    append_row(sheet, bold_cells(sheet, HEADERS))
    for item in items:
        cells: list[object] = []
        for value in row_values(item):
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "dd/mm/yyyy hh:mm"
                cells.append(cell)
            else:
                cells.append(value)
        append_row(sheet, cells)


def write_xlsx(
    target: IO[bytes],
    kind: ListKind,
    items: Sequence[WorkListItem],
    now: datetime,
    filters: Mapping[str, str],
    truncated: bool = False,
) -> None:
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLES[kind])
    for index, width in enumerate((22, 12, 40, 12, 12, 32, 17, 17, 17, 16, 16, 10, 17, 12, 12)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    _write(sheet, kind, items, now, filters, truncated)
    workbook.save(target)


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    while chunk := spool.read(CHUNK):
        yield chunk


def xlsx_response(
    kind: ListKind,
    items: Sequence[WorkListItem],
    now: datetime,
    filters: Mapping[str, str],
    *,
    truncated: bool = False,
) -> StreamingResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the task
    write_xlsx(spool, kind, items, now, filters, truncated)
    name = f"{FILE_NAMES[kind]}-{now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.xlsx"
    return StreamingResponse(
        _chunks(spool),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        background=BackgroundTask(spool.close),
    )
