"""Portal records' later dates (NgayKetThucXuLy, NgayTra, NgayTuChoi, supplement rounds) read to
the second, and personal data kept out of the error a bad record raises (PORTAL.md).

Portal dates are Asia/Ho_Chi_Minh wall time (UTC+7, no daylight saving): 17:00 local is 10:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors import RecordInvalid, parse_dossier, parse_progress
from connectors.portal.fields import (
    FIELD_LIMITS,
    MAX_LIST_ITEMS,
    echo,
    parse_iso_date,
    parse_portal_date,
    parse_status,
    printable,
    read_choice,
    read_date,
    read_list,
    read_text,
    type_name,
)
from connectors.portal.parse import parse_record
from connectors.records import DossierRecord
from tests.connectors.test_portal_format import dossier


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
        second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def invalid(payload: Any, **kwargs: Any) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as caught:
        parse_dossier(payload, **kwargs)
    return caught.value


# -- dates after the receipt -------------------------------------------------------------------


def test_a_returned_dossier_has_its_finish_return_and_refusal_instants() -> None:
    parsed = parse_dossier(dossier(
        TrangThaiHoSo="10", NgayKetThucXuLy="20250307163000", NgayTra="20250310090500",
        NgayTuChoi="20250304000000", NgayNopHoSo="20250302235959",
    ))
    assert parsed.finished_at == utc(2025, 3, 7, 9, 30)  # 16:30 - 7 h
    assert parsed.returned_at == utc(2025, 3, 10, 2, 5)  # 09:05 - 7 h
    assert parsed.refused_at == utc(2025, 3, 3, 17, 0)  # midnight local is 17:00 UTC the day before
    assert parsed.submitted_at == utc(2025, 3, 2, 16, 59, 59)
    assert parsed.own_as_of == parsed.returned_at  # the newest stated instant


def test_every_date_of_a_supplement_round_is_read_in_portal_and_iso_form() -> None:
    """Two rounds: the first in the portal's yyyyMMddHHmmss, the second as .NET writes it."""
    parsed = parse_dossier(dossier(DanhSachHoSoBoSung=[
        {"HoSoBoSungId": "BS1", "NoiDungBoSung": "Thiếu bản sao CCCD",
         "NgayBoSung": "20250304090000", "NgayTiepNhanBoSung": "20250306143000",
         "TrangThaiBoSung": "2", "NgayHenTraTruoc": "20250310170000",
         "NgayHenTraMoi": "20250312170000"},
        {"HoSoBoSungId": 8, "NgayBoSung": " 2025-03-07T08:00:00 ",
         "NgayTiepNhanBoSung": "2025-03-08T10:15:00+07:00", "TrangThaiBoSung": False,
         "NgayHenTraTruoc": "2025-03-12T17:00:00Z", "NgayHenTraMoi": ""},
    ]))
    first, second = parsed.supplements
    assert (first.supplement_id, first.content, first.status) == ("BS1", "Thiếu bản sao CCCD", "2")
    assert first.requested_at == utc(2025, 3, 4, 2, 0)
    assert first.received_at == utc(2025, 3, 6, 7, 30)
    assert first.previous_due_at == utc(2025, 3, 10, 10, 0)
    assert first.new_due_at == utc(2025, 3, 12, 10, 0)
    assert (second.supplement_id, second.content, second.status) == ("8", None, "false")
    assert second.requested_at == utc(2025, 3, 7, 1, 0)  # ISO without offset: local time
    assert second.received_at == utc(2025, 3, 8, 3, 15)
    assert second.previous_due_at == utc(2025, 3, 12, 17, 0)  # "Z" is UTC already
    assert second.new_due_at is None
    assert parsed.flags == ()
    # the newest stated instant is the second round's resumption, after the receipt
    assert parsed.own_as_of == utc(2025, 3, 8, 3, 15)


@pytest.mark.parametrize(("field", "value"), [
    ("NgayTiepNhanBoSung", 20250306143000),  # a number, not a date string
    ("NgayHenTraMoi", "12/03/2025"),  # neither yyyyMMddHHmmss nor ISO 8601
    ("NgayHenTraTruoc", "2025031017000"),  # 13 digits
    ("NgayBoSung", "20250230090000"),  # 30 February
])
def test_a_round_with_one_unreadable_date_is_flagged_with_that_date(field: str, value: Any) -> None:
    good = {"HoSoBoSungId": "BS2", "NgayBoSung": "20250305090000"}
    parsed = parse_dossier(dossier(DanhSachHoSoBoSung=[{"HoSoBoSungId": "BS1", field: value},
                                                       good]))
    assert [r.supplement_id for r in parsed.supplements] == ["BS2"]
    assert [(f.code, f.field) for f in parsed.flags] == [
        ("supplement_unreadable", f"DanhSachHoSoBoSung[0].{field}")]
    assert parsed.flags[0].value is not None and str(value) in parsed.flags[0].value


def test_a_step_states_its_own_start_and_due() -> None:
    step = parse_progress({"MaHoSo": "X-1", "ThoiDiemXuLy": "20250303093000", "TrangThai": 4,
                           "NgayBatDau": "20250303093000",
                           "NgayKetThucTheoQuyDinh": "20250305170000", "ChucDanh": " Chuyên viên ",
                           "PhongBanXuLy": "Phòng Tư pháp"})
    assert step.step_started_at == utc(2025, 3, 3, 2, 30)
    assert step.step_due_at == utc(2025, 3, 5, 10, 0)
    assert (step.officer_title, step.department, step.content) == (
        "Chuyên viên", "Phòng Tư pháp", "")


@pytest.mark.parametrize(("raw", "expected"), [
    ("20241231235959", utc(2024, 12, 31, 16, 59, 59)),
    ("20250101000000", utc(2024, 12, 31, 17, 0)),
    ("20240229070000", utc(2024, 2, 29, 0, 0)),
    (" 20250303081530 ", utc(2025, 3, 3, 1, 15, 30)),
    ("", None), ("   ", None),
])
def test_portal_dates_are_local_wall_time_seven_hours_ahead(
    raw: str, expected: datetime | None
) -> None:
    assert parse_portal_date(raw, "NgayTra") == expected


@pytest.mark.parametrize("raw", ["20250229080000", "20250303246000", "20250303086100",
                                 "20250303080060", "00000303080000"])
def test_an_impossible_portal_date_says_why(raw: str) -> None:
    with pytest.raises(RecordInvalid) as caught:
        parse_portal_date(raw, "NgayTra")
    assert caught.value.field == "NgayTra" and caught.value.value == raw
    assert caught.value.reason.startswith(f"invalid date {raw!r}: expected yyyyMMddHHmmss (")


def test_iso_dates_without_an_offset_are_portal_local() -> None:
    assert parse_iso_date("2025-03-04T09:00:00", "f") == utc(2025, 3, 4, 2, 0)
    assert parse_iso_date("2025-03-04T09:00:00+00:00", "f") == utc(2025, 3, 4, 9, 0)
    with pytest.raises(RecordInvalid) as caught:
        parse_iso_date("4/3/2025", "NgayBoSung")
    assert (caught.value.field, caught.value.value) == ("NgayBoSung", "4/3/2025")
    assert caught.value.reason == "invalid date '4/3/2025': expected yyyyMMddHHmmss or ISO 8601"


def test_a_date_that_is_no_text_is_echoed_for_the_quarantine() -> None:
    with pytest.raises(RecordInvalid) as caught:
        read_date({"NgayTra": 20250310170000}, "NgayTra")
    assert (caught.value.reason, caught.value.value) == (
        "invalid date: expected a yyyyMMddHHmmss string, got number", "20250310170000")


def test_a_required_date_missing_or_empty_says_which() -> None:
    with pytest.raises(RecordInvalid) as caught:
        read_date({}, "ThoiDiemXuLy", required=True)
    assert (caught.value.reason, caught.value.value) == ("required date is missing", None)
    with pytest.raises(RecordInvalid) as caught:
        read_date({"ThoiDiemXuLy": " "}, "ThoiDiemXuLy", required=True)
    assert (caught.value.reason, caught.value.value) == ("required date is empty", "")
    assert read_date({"NgayTra": None}, "NgayTra") is None


# -- personal data never in an error ----------------------------------------------------------

NAME = "Nguyễn Thị Hoa"
PHONE = "0912345678"


@pytest.mark.parametrize(("field", "value"), [
    ("ChuHoSo", [NAME]), ("ChuHoSo", {"ten": NAME}), ("SoDienThoai", [PHONE]),
    ("Email", ["hoa@example.vn"]), ("Fax", {"so": PHONE}), ("ChuHoSo", f"{NAME}\x00"),
    ("SoDienThoai", f"{PHONE}\x00"), ("ChuHoSo", NAME * 20),
])
def test_a_bad_personal_field_is_refused_without_its_value(field: str, value: Any) -> None:
    error = invalid(dossier(**{field: value}))
    assert error.field == field and error.value is None
    for secret in (NAME, PHONE, "hoa@example.vn"):
        assert secret not in str(error) and secret not in error.reason


def test_a_bad_officer_of_a_step_is_refused_without_the_officers_name() -> None:
    record = dossier()
    record["QuaTrinhXuLy"][1]["NguoiXuLy"] = [NAME]
    error = invalid(record)
    assert (error.field, error.value) == ("QuaTrinhXuLy[1].NguoiXuLy", None)
    assert NAME not in str(error)


def test_an_id_number_that_is_no_text_is_refused_without_echoing_it() -> None:
    error = invalid(dossier(DinhDanhCHS=[{"LoaiDinhDanh": 1, "SoDinhDanh": ["001085012345"]}]))
    assert (error.field, error.value) == ("SoDinhDanh", None)
    assert "001085012345" not in str(error)


@pytest.mark.parametrize(("field", "value", "echoed"), [
    ("TenTTHC", ["Khai sinh"], "['Khai sinh']"),
    ("GhiChu", "ghi\x00chú", "ghi\\x00chú"),
    ("SoBienNhan", {"so": 1}, "{'so': 1}"),
])
def test_a_bad_field_that_is_not_personal_is_echoed_for_the_quarantine(
    field: str, value: Any, echoed: str
) -> None:
    error = invalid(dossier(**{field: value}))
    assert (error.field, error.value) == (field, echoed)


def test_a_text_over_its_limit_is_never_echoed_whoever_it_belongs_to() -> None:
    error = invalid(dossier(SoBienNhan="9" * (FIELD_LIMITS["SoBienNhan"] + 1)))
    assert (error.field, error.value) == ("SoBienNhan", None)
    assert error.reason == "text is 65 characters long, the limit is 64"
    assert parse_dossier(dossier(SoBienNhan="9" * 64)).receipt_number == "9" * 64


# -- single-value readers --------------------------------------------------------------------


def test_echo_cuts_long_values_and_escapes_control_characters() -> None:
    assert echo("a" * 80) == "a" * 80
    assert echo("a" * 81) == "a" * 80 + "… (81 chars)"
    assert echo(12) == "12" and echo(None) == "None"
    assert printable("a\x00b\tc\nd\x7f") == "a\\x00b\tc\nd\\x7f"


@pytest.mark.parametrize(("value", "name"), [
    (None, "null"), (True, "boolean"), (1, "number"), (1.5, "number"), ([1], "list"),
    ((1,), "list"), ({"a": 1}, "object"), ("a", "str"),
])
def test_type_names_in_messages_are_json_names(value: Any, name: str) -> None:
    assert type_name(value) == name


def test_required_text_missing_blank_or_boolean() -> None:
    for record, reason in (({}, "required field is missing"),
                           ({"MaTTHC": " "}, "required field is empty"),
                           ({"MaTTHC": True}, "expected text, got boolean")):
        with pytest.raises(RecordInvalid) as caught:
            read_text(record, "MaTTHC", required=True)
        assert caught.value.reason == reason
    assert read_text({"GhiChu": "  "}, "GhiChu") is None
    assert read_text({"GhiChu": 0}, "GhiChu") == "0"


def test_a_coded_choice_given_as_number_or_digits() -> None:
    allowed = {1: "trực tiếp", 2: "trực tuyến"}
    assert read_choice({"K": " 2 "}, "K", allowed) == 2
    assert read_choice({"K": 1}, "K", allowed) == 1
    assert read_choice({"K": ""}, "K", allowed) is None
    for raw in (3, True, "x", 1.0):
        with pytest.raises(RecordInvalid) as caught:
            read_choice({"K": raw}, "K", allowed)
        assert caught.value.reason.startswith(f"unknown code {echo(raw)}: expected one of "
                                              "1 trực tiếp, 2 trực tuyến")
        assert caught.value.value == echo(raw)
    for blank, shown in ((None, None), (" ", "")):
        with pytest.raises(RecordInvalid) as caught:
            read_choice({"K": blank}, "K", allowed, required=True)
        assert caught.value.value == shown


def test_a_list_has_at_most_its_limit_of_items() -> None:
    assert read_list({"L": ""}, "L") == [] and read_list({}, "L") == []
    with pytest.raises(RecordInvalid) as caught:
        read_list({"L": {"a": 1}}, "L")
    assert (caught.value.reason, caught.value.value) == ("expected a list, got object", "{'a': 1}")
    assert len(read_list({"L": [0] * MAX_LIST_ITEMS}, "L")) == MAX_LIST_ITEMS
    with pytest.raises(RecordInvalid) as caught:
        read_list({"L": [0] * (MAX_LIST_ITEMS + 1)}, "L")
    assert caught.value.reason == f"list has {MAX_LIST_ITEMS + 1} items, the limit is 10000"


def test_parse_record_dispatches_on_the_kind() -> None:
    parsed = parse_record("dossier", dossier(DonViXuLy=""), "H21.66")
    assert isinstance(parsed, DossierRecord) and parsed.agency == "H21.66"
    step = parse_record("progress", {"MaHoSo": "X-1", "ThoiDiemXuLy": "20250303093000",
                                     "TrangThai": 9})
    assert step.status == 9
    with pytest.raises(ValueError, match="unknown record kind 'fee'"):
        parse_record("fee", {})


@pytest.mark.parametrize(("raw", "reason", "shown"), [
    (11, "unknown status code 11: expected 1..10", "11"),
    ("0", "unknown status code 0: expected 1..10", "0"),
    ([4], "status must be a code, got list", "[4]"),
    (4.5, "status must be a code, got number", "4.5"),
    ("Quá hạn", "unknown status 'Quá hạn'", "Quá hạn"),
    (True, "status is a boolean", "True"),
    (None, "status is missing", None),
])
def test_a_status_that_is_no_code_says_why_and_shows_it(
    raw: Any, reason: str, shown: str | None
) -> None:
    with pytest.raises(RecordInvalid) as caught:
        parse_status(raw, "TrangThaiHoSo")
    assert (caught.value.reason, caught.value.value) == (reason, shown)


def test_a_blank_required_text_is_shown_as_empty() -> None:
    with pytest.raises(RecordInvalid) as caught:
        read_text({"MaTTHC": "  "}, "MaTTHC", required=True)
    assert caught.value.value == ""
