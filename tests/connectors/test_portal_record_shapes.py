"""The shape of a portal record: which kind a bare record is, an embedded step's dossier code, and
what a record that is no record is told (PORTAL.md)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import RecordInvalid, guess_kind, parse_dossier, parse_progress
from tests.connectors.test_portal_format import dossier

STEP = {"MaHoSo": "X-1", "ThoiDiemXuLy": "20250303093000", "TrangThai": 4}


@pytest.mark.parametrize(("extra", "kind"), [
    ({}, "progress"),
    ({"MaTTHC": "1.000894"}, "dossier"),  # a step never names the procedure
    ({"TrangThaiHoSo": 4}, "dossier"),  # nor the dossier's status
    ({"MaTTHC": "1.000894", "TrangThaiHoSo": 4}, "dossier"),
])
def test_a_bare_record_is_a_step_only_without_a_dossiers_fields(
    extra: dict[str, Any], kind: str
) -> None:
    assert guess_kind({**STEP, **extra}) == kind


@pytest.mark.parametrize("missing", ["ThoiDiemXuLy", "TrangThai"])
def test_a_record_without_a_steps_instant_or_status_is_a_dossier(missing: str) -> None:
    record = dict(STEP)
    del record[missing]
    assert guess_kind(record) == "dossier"


@pytest.mark.parametrize("code", [None, ""])
def test_an_embedded_step_without_its_code_takes_the_dossiers(code: Any) -> None:
    record = dossier()
    record["QuaTrinhXuLy"][1]["MaHoSo"] = code
    parsed = parse_dossier(record)
    assert [step.dossier_code for step in parsed.progress] == [parsed.code, parsed.code]


def test_a_standalone_step_needs_its_own_code() -> None:
    with pytest.raises(RecordInvalid) as caught:
        parse_progress({**STEP, "MaHoSo": ""})
    assert (caught.value.field, caught.value.reason) == ("MaHoSo", "required field is empty")


def test_a_step_without_status_says_it_is_missing() -> None:
    record = dict(STEP)
    del record["TrangThai"]
    with pytest.raises(RecordInvalid) as caught:
        parse_progress(record)
    assert (caught.value.field, caught.value.reason) == ("TrangThai", "required field is missing")


@pytest.mark.parametrize(("payload", "got", "shown"), [
    (["x"], "list", "['x']"), ("text", "str", "text"), (None, "null", "None"),
    (7, "number", "7"), ({"_raw": "x"}, "str", "x"),
])
def test_a_step_that_is_no_object_says_what_it_is(payload: Any, got: str, shown: str) -> None:
    with pytest.raises(RecordInvalid) as caught:
        parse_progress(payload)
    assert (caught.value.field, caught.value.value) == ("(record)", shown)
    assert caught.value.reason == f"expected a JSON object for a progress record, got {got}"


def test_a_dossier_that_is_no_object_says_what_it_is() -> None:
    with pytest.raises(RecordInvalid) as caught:
        parse_dossier({"_raw": [1, 2]})
    assert caught.value.reason == "expected a JSON object for a dossier record, got list"
    assert caught.value.value == "[1, 2]"


def _without(field: str) -> dict[str, Any]:
    record = dossier()
    del record[field]
    return record


def _foreign_step() -> dict[str, Any]:
    record = dossier()
    record["QuaTrinhXuLy"][0]["MaHoSo"] = "H21.65-250303-0099"
    return record


@pytest.mark.parametrize(("record", "field", "reason", "value"), [
    (dossier(MaHoSo="H21 65"), "MaHoSo", "dossier code must not contain spaces", "H21 65"),
    (dossier(MaHoSo=".."), "MaHoSo", "dossier code must not be only dots", ".."),
    (_without("TrangThaiHoSo"), "TrangThaiHoSo", "required field is missing", None),
    (dossier(TrangThaiHoSo=" "), "TrangThaiHoSo",
     "required field is empty (no national status for the local one)", ""),
    (dossier(DonViXuLy=""), "DonViXuLy", "required field is empty and the delivery names no "
     "agency (madonvi, MaDinhDanhDV or the sender's agency)", None),
    (_foreign_step(), "QuaTrinhXuLy[0].MaHoSo",
     "progress belongs to 'H21.65-250303-0099', not to dossier 'H21.65-250303-0011'",
     "H21.65-250303-0099"),
])
def test_a_refused_dossier_says_exactly_why(
    record: dict[str, Any], field: str, reason: str, value: str | None
) -> None:
    """The reasons are translated word for word for the operator (tthc CLI, quarantine page)."""
    with pytest.raises(RecordInvalid) as caught:
        parse_dossier(record)
    assert (caught.value.field, caught.value.reason, caught.value.value) == (field, reason, value)


def test_every_optional_field_lands_where_the_app_reads_it() -> None:
    parsed = parse_dossier(dossier(
        SoBienNhan="BN-0011", GhiChu="Ghi chú", ThongTinKhac="Khác", ThongTinTra="Trả tại quầy",
        SoDienThoai="0912345678", Email="an@example.vn", Fax="02633822222",
        TaiLieuNop=[{"TenTepDinhKem": "don.pdf"}], DanhSachLePhi=[{"SoTien": 75000}],
        DanhSachGiayToKetQua=[{"TenGiayTo": "Giấy chứng nhận kết hôn"}],
    ))
    assert (parsed.procedure_code, parsed.procedure_name) == ("1.000894", "Đăng ký kết hôn")
    assert (parsed.field_code, parsed.field_name) == ("G15", "Hộ tịch")
    assert (parsed.agency, parsed.summary, parsed.applicant_name) == (
        "H21.65", "Đăng ký kết hôn", "Nguyễn Văn An")
    assert (parsed.receipt_number, parsed.note, parsed.other_info, parsed.return_info) == (
        "BN-0011", "Ghi chú", "Khác", "Trả tại quầy")
    assert (parsed.phone, parsed.email, parsed.fax) == (
        "0912345678", "an@example.vn", "02633822222")
    assert parsed.submitted_files == ({"TenTepDinhKem": "don.pdf"},)
    assert parsed.fees == ({"SoTien": 75000},)
    assert parsed.result_documents == ({"TenGiayTo": "Giấy chứng nhận kết hôn"},)
    step = parsed.progress[1]
    assert (step.officer, step.content, step.status) == ("Trần Văn Bình", "Chuyển xử lý", 4)
