"""Every parse rule of PORTAL.md and every invalid case, one by one."""

from __future__ import annotations

import copy
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import RecordInvalid, format_portal_date, parse_dossier, parse_progress
from connectors.portal.fields import MAX_TEXT_CHARS

REQUIRED = ["MaHoSo", "MaTTHC", "NgayTiepNhan", "TrangThaiHoSo", "DonViXuLy"]


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
        "KenhThucHien": 2,
        "HinhThuc": "0",
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
    assert parsed.result_by_post is False and parsed.flags == ()
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
    ("TrichYeuHoSo", 1.5), ("QuaTrinhXuLy", "none"), ("DanhSachHoSoBoSung", {"a": 1}),
    ("MaHoSo", "H21 65"), ("NgayHenTra", "31/12/2025"),
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
    error = invalid(dossier(MaTTHC="   "))
    assert (error.field, error.reason) == ("MaTTHC", "required field is empty")


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
    from connectors.portal.fields import FIELD_LIMITS

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


# -- what real senders send (PORTAL.md "Real senders"): stored, flagged, never guessed --------


def flags(parsed: Any) -> set[tuple[str, str]]:
    return {(f.code, f.field) for f in parsed.flags}


def test_kenhthuchien_is_the_channel_and_hinhthuc_the_result_by_post() -> None:
    by_post = parse_dossier(dossier(KenhThucHien="2", HinhThuc="1"))
    assert by_post.channel == 2 and by_post.result_by_post is True
    desk = parse_dossier(dossier(KenhThucHien=3, HinhThuc=0))
    assert desk.channel == 3 and desk.result_by_post is False


@pytest.mark.parametrize("absent", [None, "", "  "])
def test_no_kenhthuchien_is_an_unknown_channel_never_guessed(absent: Any) -> None:
    record = dossier(HinhThuc="1", KenhThucHien=absent)
    parsed = parse_dossier(record)
    assert parsed.channel is None and parsed.result_by_post is True and parsed.flags == ()
    del record["KenhThucHien"]
    assert parse_dossier(record).channel is None


@pytest.mark.parametrize(("field", "value"), [
    ("KenhThucHien", "4"), ("KenhThucHien", "trực tuyến"), ("HinhThuc", "2"), ("HinhThuc", 9),
    ("LoaiDoiTuong", "7"), ("LoaiDoiTuong", "công dân"),
])
def test_an_unknown_optional_code_is_flagged_and_left_unknown(field: str, value: Any) -> None:
    parsed = parse_dossier(dossier(**{field: value}))
    assert flags(parsed) == {("code_invalid", field)}
    assert parsed.flags[0].value == str(value)
    assert (parsed.channel, parsed.applicant_type, parsed.result_by_post)[
        ("KenhThucHien", "LoaiDoiTuong", "HinhThuc").index(field)] in (None, False)


def test_empty_names_and_summary_are_stored_and_flagged() -> None:
    parsed = parse_dossier(dossier(TenTTHC="", MaLinhVuc="", TenLinhVuc=None, TrichYeuHoSo=""))
    assert (parsed.procedure_name, parsed.field_code, parsed.field_name) == (None, None, None)
    assert parsed.summary is None
    assert flags(parsed) == {("names_missing", "TenTTHC, MaLinhVuc, TenLinhVuc"),
                             ("summary_missing", "TrichYeuHoSo")}


@pytest.mark.parametrize("placeholder", ["Dinhkem", "DINHKEM", "Đính kèm"])
def test_a_placeholder_summary_is_no_summary(placeholder: str) -> None:
    parsed = parse_dossier(dossier(TrichYeuHoSo=placeholder))
    assert parsed.summary is None
    assert flags(parsed) == {("summary_placeholder", "TrichYeuHoSo")}


def test_no_appointment_is_none_not_an_error() -> None:
    for empty in ("", None):
        assert parse_dossier(dossier(NgayHenTra=empty)).portal_due_at is None


def test_status_1_needs_no_receipt_but_other_statuses_do() -> None:
    submitted = parse_dossier(dossier(TrangThaiHoSo="1", NgayTiepNhan="",
                                      NgayNopHoSo="20250303081530"))
    assert submitted.received_at is None
    assert submitted.submitted_at == datetime(2025, 3, 3, 1, 15, 30, tzinfo=UTC)
    assert flags(submitted) == {("received_unknown", "NgayTiepNhan")}
    assert invalid(dossier(TrangThaiHoSo="4", NgayTiepNhan="")).field == "NgayTiepNhan"


def test_empty_dossier_status_is_refused_with_a_reason() -> None:
    error = invalid(dossier(TrangThaiHoSo=""))
    assert error.field == "TrangThaiHoSo" and "no national status" in error.reason


def test_the_delivery_agency_stands_in_for_an_empty_donvixuly() -> None:
    record = dossier(DonViXuLy=None)
    assert invalid(record).field == "DonViXuLy"
    parsed = parse_dossier(record, agency_hint="H21.66")
    assert parsed.agency == "H21.66"
    assert flags(parsed) == {("agency_from_delivery", "DonViXuLy")}
    assert parse_dossier(dossier(), agency_hint="H21.66").agency == "H21.65"


@pytest.mark.parametrize(("entry", "code"), [
    ({"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}, "id_placeholder"),  # TD.DichVuCong
    ({"LoaiDinhDanh": 1, "SoDinhDanh": "12345"}, "id_invalid"),
    ({"LoaiDinhDanh": 2, "SoDinhDanh": "001085012345"}, "id_invalid"),
    ({"LoaiDinhDanh": 3, "SoDinhDanh": "123456789"}, "id_invalid"),
    ({"LoaiDinhDanh": "2", "SoDinhDanh": "AB1234567"}, "id_invalid"),
    ("001085012345", "id_invalid"),
])
def test_bad_id_numbers_are_dropped_and_flagged_without_echoing_them(entry: Any, code: str) -> None:
    parsed = parse_dossier(dossier(DinhDanhCHS=[entry]))
    assert parsed.id_numbers == ()
    assert [f.code for f in parsed.flags] == [code]
    for number in ("12345", "001085012345", "123456789", "AB1234567"):
        assert number not in str(parsed.flags[0].value or "")


def test_supplement_rounds_as_dotnet_serialises_them_are_read() -> None:
    """TD.DichVuCong's HoSoBoSung: int id, ISO DateTimes, a boolean status."""
    parsed = parse_dossier(dossier(DanhSachHoSoBoSung=[{
        "HoSoBoSungId": 7, "NgayBoSung": "2025-03-04T09:00:00", "TrangThaiBoSung": True,
        "NgayHenTraTruoc": "2025-03-10T17:00:00", "NgayHenTraMoi": None,
    }]))
    round_ = parsed.supplements[0]
    assert round_.supplement_id == "7" and round_.status == "true"
    assert round_.requested_at == datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
    assert parsed.flags == ()


def test_an_unreadable_supplement_round_is_skipped_and_flagged() -> None:
    parsed = parse_dossier(dossier(DanhSachHoSoBoSung=[{"NgayBoSung": "x"}, "round"]))
    assert parsed.supplements == ()
    assert flags(parsed) == {("supplement_unreadable", "DanhSachHoSoBoSung[0].NgayBoSung"),
                             ("supplement_unreadable", "DanhSachHoSoBoSung[1]")}


def test_a_step_without_status_is_kept_without_one() -> None:
    from connectors import NO_STATUS

    parsed = parse_progress({"MaHoSo": "X-1", "ThoiDiemXuLy": "20250303093000",
                             "TrangThai": "", "NoiDungXuLy": "Ký duyệt"})
    assert parsed.status == NO_STATUS
    assert [(f.code, f.field) for f in parsed.flags] == [("status_unmapped", "TrangThai")]


def test_own_as_of_is_the_newest_instant_the_record_states() -> None:
    parsed = parse_dossier(dossier(QuaTrinhXuLy=[], DanhSachHoSoBoSung=[],
                                   NgayTra="20250312100000", NgayTuChoi=""))
    assert parsed.own_as_of == datetime(2025, 3, 12, 3, 0, tzinfo=UTC)
    assert parse_dossier(dossier(QuaTrinhXuLy=[], DanhSachHoSoBoSung=[])).own_as_of == \
        parsed.received_at


@pytest.mark.parametrize(("payload", "kind"), [
    ({"MaHoSo": "X", "ThoiDiemXuLy": "20250303093000", "TrangThai": "4"}, "progress"),
    ({"MaHoSo": "X", "MaTTHC": "1.1", "TrangThaiHoSo": "4", "ThoiDiemXuLy": "x",
      "TrangThai": "4"}, "dossier"),
    ({"MaHoSo": "X"}, "dossier"), (["x"], "dossier"),
])
def test_guess_kind(payload: Any, kind: str) -> None:
    from connectors import guess_kind

    assert guess_kind(payload) == kind
