from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from app.deadlines import ProcessingTime, ProcessingTimeParseError, parse_processing_time


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", "5", "working_days"),
        ("03 giờ làm việc", "3", "working_hours"),
        ("15 ngày", "15", "calendar_days"),
        ("Trong ngày làm việc", "0", "same_day"),
        ("Trong ngày", "0", "same_day"),
        ("Không quá 10 ngày làm việc", "10", "working_days"),
        ("0,5 ngày làm việc", "0.5", "working_days"),
        ("0.5 ngày làm việc", "0.5", "working_days"),
        ("khong qua 10 ngay lam viec", "10", "working_days"),
        ("KHÔNG QUÁ 10 NGÀY LÀM VIỆC", "10", "working_days"),
        ("  05   ngày\tlàm   việc ", "5", "working_days"),
        ("05 (năm) ngày làm việc", "5", "working_days"),
        ("Tối đa 20 ngày kể từ ngày nhận đủ hồ sơ", "20", "calendar_days"),
        ("trong ngay", "0", "same_day"),
        ("Giải quyết trong cùng ngày", "0", "same_day"),
        ("Trong 05 ngày làm việc", "5", "working_days"),
        ("04 giờ làm việc", "4", "working_hours"),
    ],
)
def test_catalogue_phrasings(text: str, value: str, unit: str) -> None:
    assert parse_processing_time(text) == ProcessingTime(Decimal(value), unit)  # type: ignore[arg-type]


def test_nfd_input_reads_like_nfc() -> None:
    text = unicodedata.normalize("NFD", "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ")
    assert parse_processing_time(text) == ProcessingTime(Decimal(5), "working_days")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Từ 3 đến 5 ngày làm việc", "several different numbers (3, 5)"),
        ("20 ngày làm việc; trường hợp phức tạp 30 ngày làm việc", "several different numbers"),
        ("03 tháng", "months"),
        ("Trong tháng", "months"),
        ("02 tuần", "weeks"),
        ("01 năm", "years"),
        ("30 phút", "minutes"),
        ("24 giờ", "clock hours"),
        ("Theo quy định", "no number"),
        ("Ngay khi nhận hồ sơ", "no number"),
        ("05", "no unit"),
        ("0 ngày làm việc", "more than 0"),
        ("1,5 ngày", "whole number"),
        ("05 ngày làm việc (05 ngày)", "several units"),
    ],
)
def test_ambiguous_text_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ProcessingTimeParseError) as caught:
        parse_processing_time(text)
    assert caught.value.text == text
    assert reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


def test_processing_time_validation_and_labels() -> None:
    with pytest.raises(ValueError, match="same_day"):
        ProcessingTime(Decimal(1), "same_day")
    with pytest.raises(ValueError, match="unknown processing unit"):
        ProcessingTime(Decimal(1), "months")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        ProcessingTime(Decimal(-1), "calendar_days")
    assert ProcessingTime(Decimal("0.5"), "working_days").label() == "0,5 ngày làm việc"
    assert ProcessingTime(Decimal("15"), "calendar_days").label() == "15 ngày"
    assert ProcessingTime.same_day().label() == "trong ngày"
