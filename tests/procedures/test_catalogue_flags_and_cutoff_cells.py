"""From a province's spreadsheet to the stored rule: the restart-on-supplement flag as catalogues
write it (a missing column is never "yes") and a cut-off typed into an Excel time cell.

Why it matters: with restart-on-supplement the clock starts again from the resumption instead of
going on after the pause (DEADLINES.md §4), so a row wrongly read as "yes" gives a later due; a
cut-off dropped moves every afternoon receipt's start a day early.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Procedure
from app.procedures.catalogue import RowRefused, read_cutoff
from app.procedures.catalogue_file import read_rows
from app.procedures.service import import_catalogue

NOW = datetime(2025, 9, 9, 3, 0, tzinfo=UTC)


def sheet(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    book = Workbook()
    page = book.active
    assert page is not None
    page.append(header)
    for cells in rows:
        page.append(cells)
    book.save(path)
    return path


def stored(session: Session, code: str) -> Procedure:
    return session.scalars(select(Procedure).where(Procedure.code == code)).one()


def test_an_excel_time_cell_is_the_stored_cutoff(tmp_path: Path, db_session: Session) -> None:
    """openpyxl gives a time-formatted cell as datetime.time: 15:30 stays 15:30 (seconds and
    all), and the text's own "sau 15 giờ" gives way to it."""
    path = sheet(tmp_path / "danh-muc.xlsx",
                 ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết", "Giờ chốt"],
                 [["1.001193", "Đăng ký khai sinh", "Hộ tịch",
                   "Trong ngày; nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp "
                   "theo", time(15, 30)],
                  ["1.004873", "Xác nhận tình trạng hôn nhân", "Hộ tịch", "03 ngày làm việc",
                   time(16, 45, 59)]])
    rows = list(read_rows(path))
    assert [type(raw["cutoff"]) for _, raw in rows] == [time, time]
    report = import_catalogue(db_session, rows, NOW)
    assert report.created == 2 and report.refused == []
    birth, single = stored(db_session, "1.001193"), stored(db_session, "1.004873")
    assert (birth.cutoff, birth.cutoff_phrase) == (time(15, 30), "cutoff=15:30")
    assert (single.cutoff, single.cutoff_phrase) == (time(16, 45), "cutoff=16:45")


def test_rows_without_the_restart_column_never_import_as_restarting(
    tmp_path: Path, db_session: Session
) -> None:
    """A province's export has no such column; a row with the column left blank, "Không" or "x"
    says it; a re-import without the column sets a row back to "no"."""
    header = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết"]
    with_column = sheet(tmp_path / "co-cot.xlsx", [*header, "Tính lại khi bổ sung"], [
        ["1.1", "A", "Tư pháp", "05 ngày làm việc", "Có"],
        ["1.2", "B", "Tư pháp", "05 ngày làm việc", "không"],
        ["1.3", "C", "Tư pháp", "05 ngày làm việc", "x"],
        ["1.4", "D", "Tư pháp", "05 ngày làm việc", None],
    ])
    import_catalogue(db_session, read_rows(with_column), NOW)
    assert [stored(db_session, c).restart_on_supplement for c in ("1.1", "1.2", "1.3", "1.4")] \
        == [True, False, True, False]
    without_column = sheet(tmp_path / "khong-cot.xlsx", header, [
        ["1.1", "A", "Tư pháp", "05 ngày làm việc"],
        ["1.5", "E", "Tư pháp", "05 ngày làm việc"],
    ])
    report = import_catalogue(db_session, read_rows(without_column), NOW)
    assert (report.created, report.updated) == (1, 1)
    assert stored(db_session, "1.1").restart_on_supplement is False
    assert stored(db_session, "1.5").restart_on_supplement is False


@pytest.mark.parametrize(("text", "expected"), [
    ("1:00", time(1, 0)), ("01:30", time(1, 30)), ("1h", time(1, 0)), ("23:59", time(23, 59)),
])
def test_the_earliest_and_latest_text_cutoffs_are_hours(text: str, expected: time) -> None:
    """Hours 1..23 and minutes 0..59 are a cut-off; 0 and 24 are no hour (refused elsewhere)."""
    assert read_cutoff(text) == expected


@pytest.mark.parametrize("value", [0.0001, 0.00034])
def test_a_fraction_under_half_a_minute_is_no_cutoff(value: float) -> None:
    """0.0001 of a day is 8.64 s and 0.00034 is 29.4 s: both round to minute 0, i.e. midnight,
    which is no cut-off; the row is refused rather than read as 00:00."""
    with pytest.raises(RowRefused) as caught:
        read_cutoff(value)
    assert caught.value.column == "cutoff"
    assert read_cutoff(0.00035) == time(0, 1)  # 30.24 s rounds to one minute past midnight

