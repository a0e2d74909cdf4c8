"""One catalogue row checked: required columns, yes/no flags, cut-off cells, structured times."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

import pytest

from app.deadlines import ProcessingTime
from app.procedures.catalogue import (
    CatalogueRow,
    RowRefused,
    cell_text,
    check_row,
    read_cutoff,
    read_flag,
)


def row(**extra: Any) -> dict[str, Any]:
    return {"MaTTHC": "1.000001", "TenTTHC": "Thủ tục", "MaLinhVuc": "TP",
            "TenLinhVuc": "Tư pháp", "ThoiHanGiaiQuyet": "05 ngày làm việc", **extra}


def checked(**extra: Any) -> CatalogueRow:
    return check_row(7, row(**extra))


@pytest.mark.parametrize("column", ["MaTTHC", "TenTTHC", "TenLinhVuc"])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_required_column_left_empty_refuses_the_row(column: str, empty: Any) -> None:
    with pytest.raises(RowRefused) as caught:
        checked(**{column: empty})
    assert caught.value.column == column and "required" in caught.value.reason


def test_the_field_code_may_be_missing_as_in_the_national_export() -> None:
    result = checked(MaLinhVuc=None)
    assert result.field_code is None and result.field_name == "Tư pháp"
    assert checked(MaLinhVuc=" G09-TP03 ").field_code == "G09-TP03"


def test_a_procedure_code_has_at_most_64_characters() -> None:
    assert checked(MaTTHC="1" * 64).code == "1" * 64
    with pytest.raises(RowRefused) as caught:
        checked(MaTTHC="1" * 65)
    assert caught.value.column == "MaTTHC"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False),
        ("true", True), ("false", False), ("TRUE", True), ("1", True), ("0", False),
        ("yes", True), ("no", False), ("y", True), ("n", False),
        ("Có", True), ("có", True), ("CÓ", True), ("co", True),
        ("Không", False), ("không", False), ("KHÔNG", False), ("khong", False),
        ("x", True), ("X", True), ("", False), (None, False), ("  ", False),
        ("Đúng", True), ("Sai", False),
    ],
)
def test_restart_on_supplement_as_catalogues_write_yes_and_no(value: Any, expected: bool) -> None:
    assert read_flag(value) is expected
    assert checked(restart_on_supplement=value).restart_on_supplement is expected


def test_a_row_without_restart_on_supplement_imports_as_no() -> None:
    assert checked().restart_on_supplement is False


@pytest.mark.parametrize("value", ["có lẽ", "2", "-1", "v", "tùy trường hợp"])
def test_a_flag_that_is_neither_yes_nor_no_refuses_the_row(value: str) -> None:
    with pytest.raises(RowRefused) as caught:
        checked(restart_on_supplement=value)
    assert caught.value.column == "restart_on_supplement" and value in caught.value.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (time(15, 0), time(15, 0)),
        (time(15, 30, 45), time(15, 30)),
        (datetime(1899, 12, 30, 16, 0, 12), time(16, 0)),
        (0.625, time(15, 0)),  # an Excel time cell read without its format: 15/24 of a day
        (0.6354166667, time(15, 15)),
        (0.5, time(12, 0)),
        (0.0006944444, time(0, 1)),
        (15, time(15, 0)), (15.0, time(15, 0)), (1, time(1, 0)), (23, time(23, 0)),
        ("15:00", time(15, 0)), ("15:00:00", time(15, 0)), ("15h", time(15, 0)),
        ("15h30", time(15, 30)), ("15 giờ", time(15, 0)), ("15 giờ 30 phút", time(15, 30)),
        ("15g", time(15, 0)), ("15", time(15, 0)), (" 16:30 ", time(16, 30)),
        (None, None), ("", None), ("   ", None),
    ],
)
def test_a_cutoff_cell_is_read_whatever_the_spreadsheet_made_of_it(
    value: Any, expected: time | None
) -> None:
    assert read_cutoff(value) == expected


@pytest.mark.parametrize(
    "value", ["25:99", "24:00", "15:60", "0:30", "abc", "15 giờ chiều nay", 0, 24, -1, 1.5, 0.0,
              0.99999, True],
)
def test_a_cutoff_that_is_no_hour_refuses_the_row(value: Any) -> None:
    with pytest.raises(RowRefused) as caught:
        checked(cutoff=value)
    assert caught.value.column == "cutoff" and "hour" in caught.value.reason


def test_the_cutoff_column_wins_over_the_text_and_says_so() -> None:
    text = "Trong ngày; nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo"
    from_text = checked(ThoiHanGiaiQuyet=text)
    assert from_text.cutoff == time(15, 0)
    assert from_text.cutoff_phrase == "nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm " \
                                      "việc tiếp theo"
    from_column = checked(ThoiHanGiaiQuyet=text, cutoff="16:00")
    assert (from_column.cutoff, from_column.cutoff_phrase) == (time(16, 0), "cutoff=16:00")
    assert checked().cutoff is None and checked().cutoff_phrase is None


def test_the_text_reading_keeps_its_phrase_and_exceptions() -> None:
    result = checked(ThoiHanGiaiQuyet="03 ngày làm việc; trường hợp phải xác minh thì không quá "
                                      "10 ngày làm việc")
    assert result.processing_time == ProcessingTime(Decimal(3), "working_days")
    assert result.phrase == "03 ngày làm việc" and result.parse_error is None
    assert result.exceptions == ("trường hợp phải xác minh thì không quá 10 ngày làm việc",)
    assert result.readings == ()


def test_a_text_listed_back_keeps_its_readings_and_reason() -> None:
    result = checked(ThoiHanGiaiQuyet="Trong ngày (tối đa 3 ngày)")
    assert result.processing_time is None and result.phrase is None
    assert result.parse_error and "nhiều cách đọc" in result.parse_error
    assert {r.time for r in result.readings} == {
        ProcessingTime.same_day(), ProcessingTime(Decimal(3), "calendar_days")}


def test_no_text_and_no_structured_time_is_listed_back() -> None:
    result = checked(ThoiHanGiaiQuyet=None)
    assert result.text is None and result.processing_time is None
    assert result.parse_error == "no ThoiHanGiaiQuyet and no processing_time"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("2", "working_days", ProcessingTime(Decimal(2), "working_days")),
        ("0,5", "working_days", ProcessingTime(Decimal("0.5"), "working_days")),
        (4, "working_hours", ProcessingTime(Decimal(4), "working_hours")),
        (15.0, "calendar_days", ProcessingTime(Decimal(15), "calendar_days")),
        ("", "same_day", ProcessingTime.same_day()),
        ("0", "same_day", ProcessingTime.same_day()),
    ],
)
def test_structured_columns_win_over_the_text(value: Any, unit: str,
                                              expected: ProcessingTime) -> None:
    result = checked(ThoiHanGiaiQuyet="Không rõ", processing_time=value, processing_unit=unit)
    assert result.processing_time == expected and result.parse_error is None
    assert result.phrase == f"processing_time={cell_text(value) or '—'}, processing_unit={unit}"


@pytest.mark.parametrize(
    ("value", "unit", "reason"),
    [
        ("2", "weeks", "processing_unit 'weeks' is not one of"),
        ("2", "", "processing_unit '' is not one of"),
        ("", "working_days", "is not a number"),
        ("x", "working_days", "is not a number"),
        ("0", "working_days", "more than 0"),
        ("1.5", "calendar_days", "whole number"),
    ],
)
def test_a_bad_structured_time_is_not_replaced_by_the_text(value: str, unit: str,
                                                           reason: str) -> None:
    result = checked(processing_time=value, processing_unit=unit)
    assert result.processing_time is None and reason in (result.parse_error or "")


def test_agency_and_service_level_of_the_national_export_are_kept() -> None:
    result = checked(CoQuanThucHien=" Ủy ban nhân dân cấp xã ", MucDo="Toàn trình")
    assert (result.agency, result.service_level) == ("Ủy ban nhân dân cấp xã", "Toàn trình")
    assert (checked().agency, checked().service_level) == (None, None)


@pytest.mark.parametrize(("value", "expected"),
                         [(None, ""), (5.0, "5"), (5.5, "5.5"), (" a ", "a"), (7, "7")])
def test_cell_text(value: Any, expected: str) -> None:
    assert cell_text(value) == expected


def test_a_whole_row_as_it_is_stored() -> None:
    raw = row(MaTTHC=" 1.000894 ", TenTTHC="Đăng ký kết hôn", MaLinhVuc="G15",
              TenLinhVuc="Hộ tịch", CoQuanThucHien="UBND cấp xã", MucDo="Toàn trình",
              restart_on_supplement="Có",
              ThoiHanGiaiQuyet="Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ "
                               "thì trả kết quả trong ngày làm việc tiếp theo. Trường hợp cần xác "
                               "minh thì không quá 05 ngày làm việc.")
    assert check_row(12, raw) == CatalogueRow(
        row=12, code="1.000894", name="Đăng ký kết hôn", field_code="G15", field_name="Hộ tịch",
        text=raw["ThoiHanGiaiQuyet"], processing_time=ProcessingTime.same_day(),
        parse_error=None, cutoff=time(15, 0), restart_on_supplement=True,
        phrase="Ngay trong ngày tiếp nhận hồ sơ",
        cutoff_phrase="trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp "
                      "theo",
        exceptions=("Trường hợp cần xác minh thì không quá 05 ngày làm việc",), readings=(),
        agency="UBND cấp xã", service_level="Toàn trình")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (row(MaTTHC=""), "MaTTHC: required column is empty"),
        (row(TenLinhVuc=None), "TenLinhVuc: required column is empty"),
        (row(MaTTHC="9" * 65), "MaTTHC: a procedure code has at most 64 characters"),
        (row(cutoff="25:00"), "cutoff: '25:00' is not an HH:MM hour"),
        (row(cutoff="chiều"), "cutoff: 'chiều' is not an HH:MM hour"),
        (row(cutoff=24), "cutoff: 24 is not an hour of the day"),
        (row(restart_on_supplement="tùy"),
         "restart_on_supplement: 'tùy' is not yes or no (Có/Không, true/false)"),
    ],
)
def test_a_refused_row_says_which_column_and_why(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RowRefused) as caught:
        check_row(3, raw)
    assert str(caught.value) == message


def test_seconds_of_a_time_cell_are_dropped() -> None:
    assert read_cutoff(time(15, 30, 45, 123)) == time(15, 30)
    assert read_cutoff(datetime(2025, 1, 1, 15, 30, 45, 123)) == time(15, 30)


@pytest.mark.parametrize(
    ("value", "unit", "reason"),
    [
        ("5", "",
         "processing_unit '' is not one of working_days, working_hours, calendar_days, same_day"),
        ("", "weeks",
         "processing_unit 'weeks' is not one of working_days, working_hours, calendar_days, "
         "same_day"),
        ("abc", "working_days", "processing_time is not a number"),
    ],
)
def test_a_bad_structured_time_says_why(value: str, unit: str, reason: str) -> None:
    result = checked(processing_time=value, processing_unit=unit)
    assert (result.phrase, result.parse_error) == (None, reason)
