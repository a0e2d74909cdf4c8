"""Spreadsheet exports: aliases, header report, cell conversion, file handling."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from connectors import ConnectorState, RecordInvalid, SpreadsheetError, get_connector, parse_dossier
from connectors.spreadsheet import AliasTable, SpreadsheetConnector, title_key
from connectors.spreadsheet.cells import convert, to_portal_date
from tests.connectors.connector_cases import FIXTURES

EXPORT = FIXTURES / "spreadsheet" / "export.csv"
HEADER = ["Mã hồ sơ", "Mã TTHC", "Tên thủ tục", "Mã lĩnh vực", "Lĩnh vực", "Loại đối tượng",
          "Trích yếu", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Đơn vị xử lý"]
ROW = ["H21.65-250303-0001", "1.000894", "Đăng ký kết hôn", "G15", "Hộ tịch", "1", "Kết hôn",
       "03/03/2025 08:15", "10/03/2025 17:00", "Đang xử lý", "H21.65"]


def sheet(path: Path, rows: list[list[Any]]) -> SpreadsheetConnector:
    if path.suffix == ".xlsx":
        workbook = Workbook()
        ws = workbook.active
        assert ws is not None
        for row in rows:
            ws.append(row)
        workbook.save(path)
    else:
        path.write_text("\n".join(",".join(str(c) for c in row) for row in rows), "utf-8")
    built = get_connector("spreadsheet", path=path)
    assert isinstance(built, SpreadsheetConnector)
    return built


def payloads(connector: SpreadsheetConnector) -> list[dict[str, Any]]:
    return [r.payload for p in connector.pages(ConnectorState()) for r in p.records]


@pytest.mark.parametrize("title", ["Mã hồ sơ", "MÃ HỒ SƠ", "ma ho so", "  Mã  hồ\tsơ ", "Mã-hồ-sơ",
                                   "Số hồ sơ", "MaHoSo"])
def test_titles_match_ignoring_case_accents_and_spacing(title: str) -> None:
    assert AliasTable.default().match(title) == "MaHoSo"


def test_title_key_folds_d_with_stroke() -> None:
    assert title_key("Đơn vị xử lý") == title_key("don vi xu ly") == "donvixuly"


def test_alias_file_extends_the_table(tmp_path: Path) -> None:
    extra = tmp_path / "aliases.json"
    extra.write_text(json.dumps({"TenTTHC": ["Tên TT"], "Cơ quan tiếp nhận": "DonViXuLy"}),
                     "utf-8")
    table = AliasTable.load(extra)
    assert table.match("tên tt") == "TenTTHC" and table.match("Co quan tiep nhan") == "DonViXuLy"


@pytest.mark.parametrize("content", ['{"Tên": "KhongCo"}', "[1]", "{bad", '{"MaHoSo": [1]}'])
def test_a_bad_alias_file_is_reported(tmp_path: Path, content: str) -> None:
    extra = tmp_path / "aliases.json"
    extra.write_text(content, "utf-8")
    with pytest.raises(SpreadsheetError):
        AliasTable.load(extra)


def test_header_report_lists_mapped_unmapped_and_missing() -> None:
    report = SpreadsheetConnector.from_config(path=EXPORT).header_report()
    assert report.header_row == 2  # a title row sits above the header
    assert report.mapped["Số hồ sơ"] == "MaHoSo" and report.mapped["TRẠNG THÁI"] == "TrangThaiHoSo"
    assert report.unmapped == ["STT", "Người ký"]
    assert report.missing_required == []


def test_missing_required_columns_are_reported_and_defaults_fill_them(tmp_path: Path) -> None:
    connector = sheet(tmp_path / "a.csv", [HEADER[:1] + HEADER[2:], ROW[:1] + ROW[2:]])
    assert connector.header_report().missing_required == ["MaTTHC"]
    with_default = SpreadsheetConnector.from_config(path=tmp_path / "a.csv",
                                                    defaults={"MaTTHC": "1.000894"})
    assert with_default.header_report().missing_required == []
    assert parse_dossier(payloads(with_default)[0]).procedure_code == "1.000894"
    without_agency = sheet(tmp_path / "b.csv", [HEADER[:-1], ROW[:-1]])
    assert "DonViXuLy" in without_agency.header_report().missing_required
    with_agency = SpreadsheetConnector.from_config(path=tmp_path / "b.csv", agency_code="H21.65")
    assert "DonViXuLy" not in with_agency.header_report().missing_required


def test_rows_become_parseable_portal_records() -> None:
    rows = payloads(SpreadsheetConnector.from_config(path=EXPORT))
    first = rows[0]
    assert first["NgayTiepNhan"] == "20250303081500" and first["TrangThaiHoSo"] == "10"
    assert first["LoaiDoiTuong"] == "1"
    assert first["DinhDanhCHS"] == [{"LoaiDinhDanh": 1, "SoDinhDanh": "001085012345"}]
    assert rows[2]["DinhDanhCHS"] == [{"LoaiDinhDanh": 2, "SoDinhDanh": "123456789"}]
    assert rows[2]["NgayTiepNhan"] == "20250304140000"  # ISO
    assert rows[2]["TrangThaiHoSo"] == "5"  # "Chờ bổ sung"
    assert parse_dossier(first).status == 10


def test_unparseable_cells_pass_through_and_are_quarantined_by_row() -> None:
    connector = SpreadsheetConnector.from_config(path=EXPORT)
    problems = []
    for page in connector.pages(ConnectorState()):
        for record in page.records:
            try:
                parse_dossier(record.payload)
            except RecordInvalid as exc:
                problems.append((record.origin, exc.field, exc.value))
    assert problems == [("export.csv row 6", "NgayTiepNhan", "31/02/2025 08:00"),
                        ("export.csv row 8", "TrangThaiHoSo", "Quá hạn")]


@pytest.mark.parametrize(("value", "expected"), [
    ("03/03/2025 08:15", "20250303081500"), ("3/3/2025 8:15:30", "20250303081530"),
    ("03/03/2025", "20250303000000"), ("03-03-2025 08h15", "20250303081500"),
    ("2025-03-03T08:15:30", "20250303081530"), ("2025-03-03T01:15:30+00:00", "20250303081530"),
    ("2025-03-03", "20250303000000"), ("20250303081530", "20250303081530"),
    (20250303081530, "20250303081530"), (datetime(2025, 3, 3, 8, 15), "20250303081500"),
    (date(2025, 3, 3), "20250303000000"), (45719.34375, "20250303081500"), (None, ""), ("", ""),
    ("31/02/2025", "31/02/2025"), ("hôm qua", "hôm qua"), (-5, "-5"),
])
def test_date_cells(value: Any, expected: str) -> None:
    assert to_portal_date(value) == expected


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("TrangThaiHoSo", "Đã trả kết quả", "10"), ("TrangThaiHoSo", "ĐANG XỬ LÝ", "4"),
    ("TrangThaiHoSo", "Yêu cầu bổ sung giấy tờ", "5"), ("TrangThaiHoSo", 4.0, "4"),
    ("TrangThaiHoSo", "Quá hạn", "Quá hạn"), ("TrangThaiHoSo", "done", "done"),
    ("KenhThucHien", "Trực tuyến", "2"),
    ("KenhThucHien", "Qua dịch vụ bưu chính công ích", "3"),
    ("HinhThuc", "Qua bưu chính", "1"), ("HinhThuc", "Tại bộ phận một cửa", "0"),
    ("LoaiDoiTuong", "Doanh nghiệp", "2"), ("SoDienThoai", "0912 345 678", "0912 345 678"),
    ("MaTTHC", 1.0, "1"),
])
def test_coded_and_text_cells(field: str, value: Any, expected: str) -> None:
    assert convert(field, value) == expected


def test_xlsx_with_real_date_cells_and_a_named_sheet(tmp_path: Path) -> None:
    row = list(ROW)
    row[7], row[8] = datetime(2025, 3, 3, 8, 15), datetime(2025, 3, 10, 17, 0)
    connector = sheet(tmp_path / "a.xlsx", [HEADER, row])
    (payload,) = payloads(connector)
    assert (payload["NgayTiepNhan"], payload["NgayHenTra"]) == ("20250303081500", "20250310170000")
    missing = SpreadsheetConnector.from_config(path=tmp_path / "a.xlsx", sheet="Không có")
    with pytest.raises(SpreadsheetError, match="no sheet"):
        payloads(missing)


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ";"),
                                               ("utf-16", "\t")])
def test_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, sep: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\n".join(sep.join(r) for r in (HEADER, ROW)), encoding=encoding)
    (payload,) = payloads(SpreadsheetConnector.from_config(path=path))
    assert payload["TenTTHC"] == "Đăng ký kết hôn" and payload["MaHoSo"] == ROW[0]


def test_a_changed_file_is_read_again_from_the_top(tmp_path: Path) -> None:
    connector = sheet(tmp_path / "a.csv", [HEADER, ROW])
    final = list(connector.pages(ConnectorState()))[-1].state_after
    assert list(connector.pages(final)) == []
    with (tmp_path / "a.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n" + ",".join(ROW).replace("0001", "0002"))
    again = [r.payload["MaHoSo"] for p in connector.pages(final) for r in p.records]
    assert again == [ROW[0], ROW[0].replace("0001", "0002")]


@pytest.mark.parametrize(("name", "content", "match"), [
    ("a.csv", b"STT,Ghi chu\n1,x", "no header row"),
    ("a.csv", b"Ma ho so,Tr\xe1ng th\xe1i\n", "line 1 is not utf-8"),  # a legacy 8-bit file
    ("a.csv", "Mã hồ sơ,Trạng thái\nA,4\n".encode() + b"B,\xff\n", "line 3 is not utf-8"),
    ("a.csv", b"\xff\xfex", "not utf-16"),
    ("a.xlsx", b"not a zip", "not a readable .xlsx"),
    ("a.json", b"{bad", "cannot read"),
    ("a.json", b'{"data": []}', "expected an envelope or a list"),
])
def test_unreadable_files_raise_spreadsheet_error(
    tmp_path: Path, name: str, content: bytes, match: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match=match):
        payloads(SpreadsheetConnector.from_config(path=path))


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        get_connector("spreadsheet", path=tmp_path / "a.pdf")
    with pytest.raises(ValueError, match="unknown portal fields"):
        get_connector("spreadsheet", path=tmp_path / "a.csv", defaults={"Foo": "1"})
    with pytest.raises(SpreadsheetError, match="no such file"):
        payloads(SpreadsheetConnector.from_config(path=tmp_path / "missing.csv"))


def test_plain_json_list_uses_the_configured_kind(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"MaHoSo": "A", "ThoiDiemXuLy": "20250303081500",
                                 "TrangThai": 2}, 5]), "utf-8")
    connector = SpreadsheetConnector.from_config(path=path, kind="progress", agency_code="H21.1")
    records = [r for p in connector.pages(ConnectorState()) for r in p.records]
    assert [r.kind for r in records] == ["progress", "progress"]
    assert records[1].payload == {"_raw": 5} and records[0].agency_code == "H21.1"
