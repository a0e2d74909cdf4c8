"""Whole results of the reader for one text of each path, written out by hand: the reading, the
phrase each part came from, the exceptions, or the reason a text is listed back and its
readings. A supervisor sees exactly these, so every word of them is pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.deadlines import ProcessingTimeParseError, parse_processing_time
from app.deadlines.parsing import Reading, TextReading, read_processing_time
from app.deadlines.rules import ProcessingTime

SAME_DAY = ProcessingTime.same_day()


def pt(value: str, unit: str) -> ProcessingTime:
    return ProcessingTime(Decimal(value), unit)  # type: ignore[arg-type]


def listed(text: str, reason: str, *candidates: Reading, exceptions: tuple[str, ...] = ()
           ) -> TextReading:
    return TextReading(text, None, exceptions, candidates, reason)


MARRIAGE = ("Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết "
            "được ngay thì trả kết quả trong ngày làm việc tiếp theo. Trường hợp cần xác minh điều "
            "kiện kết hôn thì thời hạn giải quyết không quá 05 ngày làm việc.")
RANGE = "05-07 ngày làm việc"
WORDS = "mười bảy (13) ngày làm việc"
APPLICANT = "Trong thời hạn 15 ngày, kể từ ngày hoàn tất giao dịch, công ty thông báo"
CASE = "Trường hợp cần xác minh: 10 ngày làm việc"
TWO_CUTOFFS = ("Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo; riêng thứ Sáu "
               "nhận sau 16 giờ thì trả vào ngày làm việc tiếp theo")
AFTER_CUTOFF = ("Trong ngày; trường hợp nhận hồ sơ sau 15 giờ thì giải quyết trong 02 ngày làm "
                "việc")
ONE_DAY = "( nếu nhận hồ sơ sau 15h thì trả hồ sơ vào ngày hôm sau) : 1 ngày"
NEXT_DAY_RULE = "nếu nhận hồ sơ sau 15h thì trả hồ sơ vào ngày hôm sau"
SHARES = "20 ngày làm việc (trong đó Sở Xây dựng 15 ngày, UBND tỉnh 10 ngày)"
STEP = "Bước 2: Trong thời hạn 03 ngày làm việc, Sở kiểm tra hồ sơ"
OR_NEXT = "Trong ngày làm việc hoặc ngày làm việc tiếp theo"

RESULTS = [
    TextReading(MARRIAGE, Reading(
        SAME_DAY, "Ngay trong ngày tiếp nhận hồ sơ", dt.time(15),
        "trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết được ngay thì trả kết quả trong "
        "ngày làm việc tiếp theo"),
        ("Trường hợp cần xác minh điều kiện kết hôn thì thời hạn giải quyết không quá 05 ngày "
         "làm việc",)),
    TextReading("Trong ngày làm việc (đối với hồ sơ nộp trước 16 giờ)", Reading(
        SAME_DAY, "Trong ngày làm việc (đối với hồ sơ nộp trước 16 giờ)", dt.time(16),
        "đối với hồ sơ nộp trước 16 giờ")),
    TextReading("Không quá 20 ngày (không kể thời gian thực hiện nghĩa vụ tài chính)", Reading(
        pt("20", "calendar_days"),
        "Không quá 20 ngày (không kể thời gian thực hiện nghĩa vụ tài chính)"),
        ("không kể thời gian thực hiện nghĩa vụ tài chính",)),
    listed("Trong ngày (tối đa 3 ngày)", "có nhiều cách đọc: trong ngày; 3 ngày",
           Reading(SAME_DAY, "Trong ngày (tối đa 3 ngày)"),
           Reading(pt("3", "calendar_days"), "Trong ngày (tối đa 3 ngày)")),
    listed(RANGE, "một khoảng từ 5 đến 7", Reading(pt("5", "working_days"), RANGE),
           Reading(pt("7", "working_days"), RANGE)),
    listed(WORDS, "số bằng chữ và bằng số khác nhau (17 và 13)",
           Reading(pt("17", "working_days"), WORDS), Reading(pt("13", "working_days"), WORDS)),
    listed(APPLICANT, "thời hạn người nộp hồ sơ phải tuân thủ, không phải thời hạn giải quyết của "
           "cơ quan", Reading(pt("15", "calendar_days"), APPLICANT)),
    listed(CASE, "chỉ có thời hạn cho từng trường hợp, không có thời hạn chung",
           Reading(pt("10", "working_days"), CASE), exceptions=(CASE,)),
    listed("15", "số không kèm đơn vị (ngày, ngày làm việc, giờ làm việc)",
           Reading(pt("15", "working_days"), "15"), Reading(pt("15", "calendar_days"), "15")),
    listed("Theo quy định", "không thấy thời hạn giải quyết trong văn bản"),
    listed("", "văn bản trống"),
    listed("05 tháng", "thời hạn tính theo tháng chưa được hỗ trợ"),
    listed("0 ngày làm việc", "thời hạn bằng 0"),
    listed(TWO_CUTOFFS, "nhiều giờ chốt khác nhau (15:00, 16:00)",
           Reading(SAME_DAY, "Trong ngày", dt.time(15),
                   "nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo"),
           Reading(SAME_DAY, "Trong ngày", dt.time(16),
                   "riêng thứ Sáu nhận sau 16 giờ thì trả vào ngày làm việc tiếp theo")),
    listed(AFTER_CUTOFF, "sau giờ chốt 15:00 văn bản đặt một thời hạn khác",
           Reading(SAME_DAY, "Trong ngày", dt.time(15),
                   "trường hợp nhận hồ sơ sau 15 giờ thì giải quyết trong 02 ngày làm việc")),
    listed(ONE_DAY, "nhận sau 15:00 thì trả ngày hôm sau, tức là giải quyết trong ngày; văn bản "
           "lại ghi 1 ngày",
           Reading(SAME_DAY, NEXT_DAY_RULE, dt.time(15), NEXT_DAY_RULE),
           Reading(pt("1", "calendar_days"), ONE_DAY, dt.time(15), NEXT_DAY_RULE)),
    listed("Trong ngày; nhận hồ sơ sau 25 giờ thì trả hôm sau",
           "giờ chốt không hợp lệ: sau 25 giờ"),
    listed(SHARES, "các phần cộng lại (25) không khớp tổng (20)",
           Reading(pt("20", "working_days"), SHARES),
           Reading(pt("15", "calendar_days"), "trong đó Sở Xây dựng 15 ngày, UBND tỉnh 10 ngày"),
           Reading(pt("10", "calendar_days"), "trong đó Sở Xây dựng 15 ngày, UBND tỉnh 10 ngày")),
    listed(STEP, "thời hạn của từng bước, không có tổng thời hạn",
           Reading(pt("3", "working_days"), STEP)),
    listed(OR_NEXT, "trong ngày hoặc ngày làm việc tiếp theo, không nói từ giờ nào",
           Reading(SAME_DAY, OR_NEXT), Reading(pt("1", "working_days"), OR_NEXT)),
]


@pytest.mark.parametrize("expected", RESULTS, ids=[f"path-{i}" for i in range(len(RESULTS))])
def test_the_whole_result_a_supervisor_sees(expected: TextReading) -> None:
    assert read_processing_time(expected.text) == expected


def test_parse_errors_carry_the_text_the_reason_and_the_readings() -> None:
    with pytest.raises(ProcessingTimeParseError) as caught:
        parse_processing_time(RANGE)
    assert str(caught.value) == f"cannot read processing time {RANGE!r}: một khoảng từ 5 đến 7"
    assert caught.value.args == (f"cannot read processing time {RANGE!r}: một khoảng từ 5 đến 7",)
    assert (caught.value.text, caught.value.reason) == (RANGE, "một khoảng từ 5 đến 7")
    assert [c.time for c in caught.value.candidates] == [pt("5", "working_days"),
                                                         pt("7", "working_days")]


def test_labels_say_the_cutoff() -> None:
    assert Reading(SAME_DAY, "x", dt.time(15, 30)).label() == (
        "trong ngày, nhận sau 15:30 tính từ ngày làm việc tiếp theo")
    assert Reading(pt("0.5", "working_days"), "x").label() == "0,5 ngày làm việc"
