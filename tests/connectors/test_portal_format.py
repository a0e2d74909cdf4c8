"""Every parse rule of PORTAL.md and every invalid case, one by one."""

from __future__ import annotations

import copy
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import RecordInvalid, format_portal_date, parse_dossier, parse_progress
from connectors.portal_fields import MAX_TEXT_CHARS

REQUIRED = ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong",
            "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "DonViXuLy"]


def dossier(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "MaHoSo": "H21.65-250303-0011",
        "MaTTHC": "1.000894",
        "TenTTHC": "Đăng ký kết hôn",
        "MaLinhVuc": "G15",
        "TenLinhVuc": "Hộ tịch",
        "LoaiDoiTuong": "1",
        "ChuHoSo": "Nguyễn Văn An",
        "DinhDanhCHS": [{"LoaiDinhDanh": 1, "SoDinhDanh": "001085012345"}],
        "TrichYeuHoSo": "Đăng ký kết hôn",
        "NgayTiepNhan": "20250303081530",
        "NgayHenTra": "20250310170000",
        "TrangThaiHoSo": "4",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "HinhThuc": 2,
        "DonViXuLy": "H21.65",
        "DanhSachHoSoBoSung": [{"HoSoBoSungId": "BS1", "NgayBoSung": "20250304090000",
                                "NgayTiepNhanBoSung": "", "NgayHenTraMoi": "20250312170000"}],
        "QuaTrinhXuLy": [
            {"ThoiDiemXuLy": "20250303081530", "TrangThai": 2, "NoiDungXuLy": "Tiếp nhận"},
            {"MaHoSo": "H21.65-250303-0011", "ThoiDiemXuLy": "20250303093000",
             "TrangThai": "4", "NoiDungXuLy": "Chuyển xử lý", "NguoiXuLy": "Trần Văn Bình"},
        ],
    }
    record.update(changes)
    return record


def invalid(payload: Any) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as caught:
        parse_dossier(payload)
    return caught.value


def test_a_complete_record_parses_to_typed_values() -> None:
    parsed = parse_dossier(dossier())
    assert parsed.code == "H21.65-250303-0011"
    assert parsed.received_at == datetime(2025, 3, 3, 1, 15, 30, tzinfo=UTC)  # 08:15:30 +07
    assert parsed.portal_due_at == datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
    assert parsed.finished_at is None and parsed.returned_at is None
    assert parsed.status == 4 and parsed.applicant_type == 1 and parsed.channel == 2
    assert parsed.id_numbers[0].kind == 1 and parsed.id_numbers[0].number == "001085012345"
    assert parsed.supplements[0].requested_at == datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
    assert parsed.supplements[0].received_at is None
    assert [p.status for p in parsed.progress] == [2, 4]
    assert parsed.progress[0].dossier_code == parsed.code  # taken from the dossier
    assert parsed.newest_progress_at == datetime(2025, 3, 3, 2, 30, tzinfo=UTC)


def test_portal_dates_round_trip() -> None:
    at = parse_dossier(dossier()).received_at
    assert format_portal_date(at) == "20250303081530"


@pytest.mark.parametrize("value", ["2025-13-01", "20251301000000", "20250230080000",
                                   "2025030308153", "202503030815300", "03/03/2025 08:15",
                                   "2025-03-03T08:15:30", "abc"])
def test_invalid_dates_are_quarantined_with_field_and_value(value: str) -> None:
    error = invalid(dossier(NgayTiepNhan=value))
    assert error.field == "NgayTiepNhan"
    assert error.value == value
    assert "expected yyyyMMddHHmmss" in error.reason


def test_a_date_given_as_a_number_is_invalid() -> None:
    error = invalid(dossier(NgayHenTra=20250310170000))
    assert error.field == "NgayHenTra" and "got number" in error.reason


def test_empty_optional_date_is_none_but_empty_required_date_is_invalid() -> None:
    assert parse_dossier(dossier(NgayTra="")).returned_at is None
    error = invalid(dossier(NgayTiepNhan=""))
    assert (error.field, error.reason) == ("NgayTiepNhan", "required date is empty")


@pytest.mark.parametrize("field", REQUIRED)
def test_every_required_field_is_checked(field: str) -> None:
    record = dossier()
    del record[field]
    assert invalid(record).field == field


@pytest.mark.parametrize(("raw", "code"), [
    (4, 4), ("4", 4), (" 10 ", 10), (1.0, 1), ("receiving", 1), ("new", 2), ("denied", 3),
    ("processing", 4), ("waiting", 5), ("paying", 6), ("cancelled", 7), ("unresolved", 8),
    ("releasing", 9), ("DONE", 10),
])
def test_status_as_number_string_or_alias(raw: Any, code: int) -> None:
    assert parse_dossier(dossier(TrangThaiHoSo=raw)).status == code


@pytest.mark.parametrize("raw", [0, 11, "42", "Quá hạn", "", True, [4], {"code": 4}, 4.5, None])
def test_unknown_or_mistyped_status_is_invalid(raw: Any) -> None:
    assert invalid(dossier(TrangThaiHoSo=raw)).field == "TrangThaiHoSo"


@pytest.mark.parametrize(("field", "value"), [
    ("TenTTHC", ["Đăng ký kết hôn"]), ("DonViXuLy", {"ma": "H21.65"}), ("MaTTHC", True),
    ("TrichYeuHoSo", 1.5), ("LoaiDoiTuong", "7"), ("LoaiDoiTuong", "công dân"), ("HinhThuc", 9),
    ("QuaTrinhXuLy", "none"), ("DanhSachHoSoBoSung", {"a": 1}), ("MaHoSo", "H21 65"),
])
def test_wrong_types_and_codes_are_invalid(field: str, value: Any) -> None:
    assert invalid(dossier(**{field: value})).field == field


def test_text_is_nfc_and_stripped() -> None:
    decomposed = unicodedata.normalize("NFD", "  Đăng ký kết hôn  ")
    parsed = parse_dossier(dossier(TenTTHC=decomposed))
    assert parsed.procedure_name == "Đăng ký kết hôn"
    assert unicodedata.is_normalized("NFC", parsed.procedure_name)


def test_numeric_codes_are_accepted_as_text() -> None:
    assert parse_dossier(dossier(DonViXuLy=6501)).agency == "6501"


def test_absurdly_long_text_is_invalid() -> None:
    error = invalid(dossier(TrichYeuHoSo="x" * (MAX_TEXT_CHARS + 1)))
    assert error.field == "TrichYeuHoSo" and "limit" in error.reason


def test_blank_required_text_is_invalid() -> None:
    error = invalid(dossier(TenTTHC="   "))
    assert (error.field, error.reason) == ("TenTTHC", "required field is empty")


def test_invalid_embedded_progress_invalidates_the_dossier_with_a_path() -> None:
    record = dossier()
    record["QuaTrinhXuLy"] = [copy.deepcopy(record["QuaTrinhXuLy"][0]) for _ in range(4)]
    record["QuaTrinhXuLy"][3]["ThoiDiemXuLy"] = "2025-03-03"
    error = invalid(record)
    assert error.field == "QuaTrinhXuLy[3].ThoiDiemXuLy" and error.value == "2025-03-03"


def test_embedded_progress_of_another_dossier_is_invalid() -> None:
    record = dossier()
    record["QuaTrinhXuLy"][1]["MaHoSo"] = "H21.65-250303-0099"
    assert invalid(record).field == "QuaTrinhXuLy[1].MaHoSo"


def test_invalid_supplement_date_names_the_round() -> None:
    record = dossier(DanhSachHoSoBoSung=[{"NgayBoSung": "x"}])
    assert invalid(record).field == "DanhSachHoSoBoSung[0].NgayBoSung"


@pytest.mark.parametrize(("entry", "field"), [
    ({"LoaiDinhDanh": 1, "SoDinhDanh": "12345"}, "DinhDanhCHS[0].SoDinhDanh"),
    ({"LoaiDinhDanh": 2, "SoDinhDanh": "001085012345"}, "DinhDanhCHS[0].SoDinhDanh"),
    ({"LoaiDinhDanh": 3, "SoDinhDanh": "123456789"}, "DinhDanhCHS[0].LoaiDinhDanh"),
    ("001085012345", "DinhDanhCHS[0]"),
])
def test_bad_id_numbers_are_invalid_without_echoing_them(entry: Any, field: str) -> None:
    error = invalid(dossier(DinhDanhCHS=[entry]))
    assert error.field == field
    if field.endswith("SoDinhDanh"):
        assert error.value is None


@pytest.mark.parametrize("payload", [["a"], "text", None, {"_raw": [1, 2]}])
def test_a_non_object_record_is_invalid(payload: Any) -> None:
    assert invalid(payload).field == "(record)"


def test_standalone_progress_record() -> None:
    parsed = parse_progress({"MaHoSo": "H21.65-250303-0011", "NguoiXuLy": "Trần Văn Bình",
                             "ChucDanh": "Chuyên viên", "ThoiDiemXuLy": "20250303093000",
                             "PhongBanXuLy": "Một cửa", "NoiDungXuLy": "Chuyển xử lý",
                             "TrangThai": "processing", "NgayBatDau": "20250303093000",
                             "NgayKetThucTheoQuyDinh": ""})
    assert parsed.status == 4 and parsed.officer == "Trần Văn Bình"
    assert parsed.step_due_at is None
    assert parsed.dedup_key == ("H21.65-250303-0011", datetime(2025, 3, 3, 2, 30, tzinfo=UTC), 4,
                                "Chuyển xử lý")


@pytest.mark.parametrize(("missing", "field"), [("MaHoSo", "MaHoSo"), ("TrangThai", "TrangThai"),
                                                ("ThoiDiemXuLy", "ThoiDiemXuLy")])
def test_standalone_progress_required_fields(missing: str, field: str) -> None:
    record = {"MaHoSo": "X-1", "ThoiDiemXuLy": "20250303093000", "TrangThai": 4}
    del record[missing]
    with pytest.raises(RecordInvalid) as caught:
        parse_progress(record)
    assert caught.value.field == field


def test_progress_in_order_sorts_and_drops_duplicates() -> None:
    record = dossier()
    steps = record["QuaTrinhXuLy"]
    record["QuaTrinhXuLy"] = [steps[1], steps[0], dict(steps[1], MaHoSo="H21.65-250303-0011")]
    parsed = parse_dossier(record)
    assert len(parsed.progress) == 3
    assert [p.status for p in parsed.progress_in_order] == [2, 4]


def test_values_longer_than_their_stored_column_are_refused_with_the_field() -> None:
    from connectors import RecordInvalid, parse_dossier
    from connectors.portal_fields import FIELD_LIMITS

    assert FIELD_LIMITS["DonViXuLy"] == 255
    payload = dossier()
    payload["DonViXuLy"] = "Ủy ban " * 60
    with pytest.raises(RecordInvalid) as caught:
        parse_dossier(payload)
    assert caught.value.field == "DonViXuLy"
    assert "the limit is 255" in caught.value.reason


def test_envelope_agency_code_longer_than_64_is_refused() -> None:
    import json

    from connectors import EnvelopeInvalid, parse_envelope

    body = json.dumps({"session": "", "madonvi": "X" * 65, "service": "DongBoHoSoMC",
                       "isUpdating": "False", "data": []}).encode()
    with pytest.raises(EnvelopeInvalid, match="longer than 64"):
        parse_envelope(body)
