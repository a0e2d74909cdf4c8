"""Catalogue files as provinces download them: the national export's titles, title rows,
section headings, CSV encodings, JSON with Vietnamese keys, and files that are not catalogues."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from app.core.errors import BadRequest
from app.procedures.catalogue_file import HEADER_SEARCH_ROWS, CatalogueFile, read_rows

# The national catalogue's export (CSDL TTHC / dichvucong.gov.vn): a title above the header,
# an index column, Vietnamese titles, no field codes.
EXPORT_HEADER = ["STT", "Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Lĩnh vực",
                 "Thời hạn giải quyết", "Phí, lệ phí", "Cơ quan thực hiện", "Mức độ"]
EXPORT_ROWS = [
    ["", "I. Lĩnh vực Hộ tịch (2 thủ tục)", "", "", "", "", "", "", ""],
    [1, "1.001193", "Thủ tục đăng ký khai sinh", "Cấp xã", "",
     "Ngay trong ngày tiếp nhận yêu cầu, trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết "
     "được ngay thì trả kết quả trong ngày làm việc tiếp theo.", "Miễn lệ phí",
     "Ủy ban nhân dân cấp xã", "Toàn trình"],
    [2, "1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Cấp xã", "Hộ tịch",
     "03 ngày làm việc; trường hợp phải xác minh thì thời hạn giải quyết không quá 23 ngày.",
     "", "Ủy ban nhân dân cấp xã", "Toàn trình"],
    ["", "", "", "", "", "", "", "", ""],
    ["", "II. LĨNH VỰC CHỨNG THỰC", "", "", "", "", "", "", ""],
    [3, "2.000815", "Chứng thực chữ ký", "Cấp xã", "", "Trong ngày (tối đa 3 ngày)", "",
     "Ủy ban nhân dân cấp xã", "Một phần"],
]


def export_xlsx(path: Path, header: list[str] = EXPORT_HEADER, title_rows: int = 2,
                rows: list[list[Any]] = EXPORT_ROWS) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH THỦ TỤC HÀNH CHÍNH"])
    for _ in range(title_rows - 1):
        sheet.append([])
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    book.save(path)
    return path


def test_the_national_export_is_read_under_its_title_row(tmp_path: Path) -> None:
    file = CatalogueFile(export_xlsx(tmp_path / "danh-sach-tthc.xlsx"))
    rows = list(file.rows())
    assert [number for number, _ in rows] == [5, 6, 9]  # row numbers as the sheet shows them
    first = rows[0][1]
    assert first["MaTTHC"] == "1.001193" and first["TenTTHC"] == "Thủ tục đăng ký khai sinh"
    assert first["CoQuanThucHien"] == "Ủy ban nhân dân cấp xã" and first["MucDo"] == "Toàn trình"
    assert first["CapThucHien"] == "Cấp xã" and "ThoiHanGiaiQuyet" in first
    # a section row names the field of the rows below it that have none
    assert first["TenLinhVuc"] == "Hộ tịch" and rows[1][1]["TenLinhVuc"] == "Hộ tịch"
    assert rows[2][1]["TenLinhVuc"] == "LĨNH VỰC CHỨNG THỰC".removeprefix("LĨNH VỰC ")
    assert file.unmapped == ["STT", "Phí, lệ phí"] and file.headings == 2


def test_titles_match_whatever_their_accents_case_and_spacing(tmp_path: Path) -> None:
    header = ["MA THU TUC", "Tên  TTHC", "linh vuc", "Thời gian giải quyết", "Giờ chốt",
              "Tính lại khi bổ sung", "Mức độ DVCTT"]
    path = export_xlsx(tmp_path / "x.xlsx", header, 1,
                       [["1.1", "A", "Tư pháp", "05 ngày làm việc", time(15, 30), "Có",
                         "Một phần"]])
    [(_, record)] = list(read_rows(path))
    assert record == {"MaTTHC": "1.1", "TenTTHC": "A", "TenLinhVuc": "Tư pháp",
                      "ThoiHanGiaiQuyet": "05 ngày làm việc", "cutoff": time(15, 30),
                      "restart_on_supplement": "Có", "MucDo": "Một phần"}


def test_a_repeated_column_is_reported_not_merged(tmp_path: Path) -> None:
    header = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn giải quyết", "Thời gian xử lý"]
    file = CatalogueFile(export_xlsx(tmp_path / "x.xlsx", header, 1,
                                     [["1.1", "A", "B", "05 ngày", "10 ngày"]]))
    [(_, record)] = list(file.rows())
    assert record["ThoiHanGiaiQuyet"] == "05 ngày" and file.unmapped == ["Thời gian xử lý"]


def test_the_header_may_sit_as_low_as_the_search_allows(tmp_path: Path) -> None:
    deep = export_xlsx(tmp_path / "deep.xlsx", title_rows=HEADER_SEARCH_ROWS - 1)
    assert len(list(read_rows(deep))) == 3
    too_deep = export_xlsx(tmp_path / "too-deep.xlsx", title_rows=HEADER_SEARCH_ROWS)
    with pytest.raises(BadRequest, match="no header row in the first 15 rows"):
        list(read_rows(too_deep))


@pytest.mark.parametrize("header", [["Tên thủ tục"], ["Lĩnh vực", "Thời hạn giải quyết"],
                                    ["Mã hồ sơ", "Ngày tiếp nhận", "Trạng thái"]])
def test_a_file_without_a_catalogue_header_is_refused(tmp_path: Path, header: list[str]) -> None:
    with pytest.raises(BadRequest, match="Mã thủ tục"):
        list(read_rows(export_xlsx(tmp_path / "x.xlsx", header, 1, [["a", "b", "c"]])))


def test_a_semicolon_csv_with_bom_as_excel_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "danh-muc.csv"
    lines = ["Mã TTHC;Tên TTHC;Mã lĩnh vực;Lĩnh vực;Thời hạn giải quyết",
             '1.000001;"Cấp phép; lần đầu";TP;Tư pháp;05 ngày làm việc']
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    [(number, record)] = list(read_rows(path))
    assert number == 2 and record["TenTTHC"] == "Cấp phép; lần đầu"
    assert record["MaLinhVuc"] == "TP" and record["ThoiHanGiaiQuyet"] == "05 ngày làm việc"


def test_a_utf16_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "danh-muc.csv"
    path.write_text("Mã thủ tục\tTên thủ tục\tLĩnh vực\n1.1\tKhai sinh\tHộ tịch\n",
                    encoding="utf-16")
    assert [r for _, r in read_rows(path)] == [
        {"MaTTHC": "1.1", "TenTTHC": "Khai sinh", "TenLinhVuc": "Hộ tịch"}]


def test_a_csv_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "danh-muc.csv"
    text = "Ma thu tuc,Ten thu tuc,Linh vuc\n1.1,Khai sinh,H\xf4 t\xecch\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(BadRequest, match="utf-8"):
        list(read_rows(path))


def test_json_keys_may_be_the_exports_titles(tmp_path: Path) -> None:
    path = tmp_path / "danh-muc.json"
    path.write_text(json.dumps([{"Mã thủ tục": "1.1", "Tên thủ tục": "A", "Lĩnh vực": "B",
                                 "Thời hạn giải quyết": "Mười ngày", "Ghi chú": "x"}, "rác"],
                               ensure_ascii=False), encoding="utf-8")
    file = CatalogueFile(path)
    assert list(file.rows()) == [
        (1, {"MaTTHC": "1.1", "TenTTHC": "A", "TenLinhVuc": "B", "ThoiHanGiaiQuyet": "Mười ngày"}),
        (2, {})]
    assert file.unmapped == ["Ghi chú"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("danh-muc.json", "{not json", "not valid JSON"),
        ("danh-muc.json", '{"MaTTHC": "1"}', "a JSON list"),
        ("danh-muc.txt", "x", "expected a .json, .csv or .xlsx"),
        ("danh-muc.xlsx", "not a workbook", "xlsx"),
    ],
)
def test_files_that_are_no_catalogue_are_refused(tmp_path: Path, name: str, content: str,
                                                 message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadRequest, match=message):
        list(read_rows(path))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="no such file"):
        list(read_rows(tmp_path / "khong-co.xlsx"))
