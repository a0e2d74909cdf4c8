"""What real senders get wrong in a dossier's optional parts: stored, and each problem flagged with
exactly the field and the value an operator is shown (PORTAL.md "Real senders"); an ID number,
being personal data, never appears in its flag."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import parse_dossier
from connectors.records import IdNumber
from tests.connectors.test_portal_format import dossier


def triples(**changes: Any) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.field, f.value) for f in parse_dossier(dossier(**changes)).flags]


def test_a_placeholder_summary_is_flagged_with_the_placeholder() -> None:
    assert triples(TrichYeuHoSo=" dinh kem ") == [
        ("summary_placeholder", "TrichYeuHoSo", "dinh kem")]
    assert triples(TrichYeuHoSo="Đính kèm hồ sơ") == []  # a real summary that starts so


def test_missing_names_are_flagged_in_the_order_of_the_record() -> None:
    assert triples(MaLinhVuc=None, TenLinhVuc=" ") == [
        ("names_missing", "MaLinhVuc, TenLinhVuc", None)]
    assert triples(TenTTHC="") == [("names_missing", "TenTTHC", None)]


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("KenhThucHien", "9", "9"), ("KenhThucHien", 0, "0"), ("LoaiDoiTuong", 5, "5"),
    ("LoaiDoiTuong", True, "True"), ("HinhThuc", "có", "có"), ("HinhThuc", 2, "2"),
])
def test_an_unknown_code_is_flagged_with_what_was_sent(field: str, value: Any, shown: str) -> None:
    assert triples(**{field: value}) == [("code_invalid", field, shown)]


@pytest.mark.parametrize(("sent", "by_post"), [
    ("1", True), (1, True), (" 1 ", True), ("0", False), (0, False), ("", False), (None, False),
])
def test_hinhthuc_1_is_by_post_and_0_or_nothing_at_the_desk(sent: Any, by_post: bool) -> None:
    parsed = parse_dossier(dossier(HinhThuc=sent))
    assert parsed.result_by_post is by_post and parsed.flags == ()


@pytest.mark.parametrize(("sent", "code"), [("3", 3), (" 4 ", 4), (1, 1)])
def test_an_applicant_type_as_digits_or_number(sent: Any, code: int) -> None:
    parsed = parse_dossier(dossier(LoaiDoiTuong=sent))
    assert parsed.applicant_type == code and parsed.flags == ()


def test_id_numbers_of_both_kinds_are_kept_without_spaces() -> None:
    parsed = parse_dossier(dossier(DinhDanhCHS=[
        {"LoaiDinhDanh": "1", "SoDinhDanh": "001 085 012 345"},
        {"LoaiDinhDanh": 2, "SoDinhDanh": "123456789"},
        {"LoaiDinhDanh": 1, "SoDinhDanh": ""},  # nothing given: nothing kept, nothing to flag
        {"LoaiDinhDanh": 1},
    ]))
    assert parsed.id_numbers == (IdNumber(kind=1, number="001085012345"),
                                 IdNumber(kind=2, number="123456789"))
    assert parsed.flags == ()


@pytest.mark.parametrize(("entry", "flag"), [
    ({"LoaiDinhDanh": "2", "SoDinhDanh": "000 000 001"},
     ("id_placeholder", "DinhDanhCHS[0].SoDinhDanh", "000000001")),
    ({"LoaiDinhDanh": 1, "SoDinhDanh": "00108501234"},
     ("id_invalid", "DinhDanhCHS[0].SoDinhDanh", "kind 1, 11 characters")),
    ({"LoaiDinhDanh": 2, "SoDinhDanh": "1234567890"},
     ("id_invalid", "DinhDanhCHS[0].SoDinhDanh", "kind 2, 10 characters")),
    ({"LoaiDinhDanh": 1, "SoDinhDanh": "00108501234X"},
     ("id_invalid", "DinhDanhCHS[0].SoDinhDanh", "kind 1, 12 characters")),
    ({"LoaiDinhDanh": "CCCD", "SoDinhDanh": "001085012345"},
     ("id_invalid", "DinhDanhCHS[0].SoDinhDanh", "unknown kind CCCD")),
    ({"SoDinhDanh": "001085012345"},
     ("id_invalid", "DinhDanhCHS[0].SoDinhDanh", "unknown kind None")),
    (["001085012345"], ("id_invalid", "DinhDanhCHS[0]", "expected an object, got list")),
])
def test_a_bad_id_number_is_flagged_by_its_shape_never_its_digits(
    entry: Any, flag: tuple[str, str, str]
) -> None:
    """A placeholder (000000001) is no one's number and is shown; a real-looking one is not."""
    assert triples(DinhDanhCHS=[entry]) == [flag]


def test_a_second_bad_round_is_flagged_with_its_index_and_value() -> None:
    assert triples(DanhSachHoSoBoSung=[
        {"HoSoBoSungId": "BS1", "NgayBoSung": "20250304090000"},
        {"HoSoBoSungId": "BS2", "NgayTiepNhanBoSung": "hôm qua"},
        7,
    ]) == [("supplement_unreadable", "DanhSachHoSoBoSung[1].NgayTiepNhanBoSung", "hôm qua"),
           ("supplement_unreadable", "DanhSachHoSoBoSung[2]", "expected an object, got number")]


def test_a_round_with_only_blank_dates_is_kept_with_none() -> None:
    parsed = parse_dossier(dossier(DanhSachHoSoBoSung=[
        {"HoSoBoSungId": "BS1", "NgayBoSung": "", "NgayTiepNhanBoSung": "  ",
         "NgayHenTraTruoc": None, "TrangThaiBoSung": "", "NoiDungBoSung": None}]))
    (round_,) = parsed.supplements
    assert (round_.requested_at, round_.received_at, round_.previous_due_at,
            round_.new_due_at) == (None, None, None, None)
    assert (round_.supplement_id, round_.status, round_.content) == ("BS1", None, None)
    assert parsed.flags == ()
