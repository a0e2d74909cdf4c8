"""The processing-time reader, one rule at a time, at the edges of each rule.

The published texts these rules come from are in tests/procedures/corpus; here each rule gets its
own short text so that a broken rule names itself.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest

from app.deadlines import ProcessingTime, ProcessingTimeParseError, parse_processing_time
from app.deadlines.parsing import Reading, TextReading, read_processing_time

WD, CD, SD, WH = "working_days", "calendar_days", "same_day", "working_hours"


def pt(value: str, unit: str) -> ProcessingTime:
    return ProcessingTime(Decimal(value), unit)  # type: ignore[arg-type]


def read(text: str) -> Reading:
    result = read_processing_time(text)
    assert result.reading is not None, result.reason
    return result.reading


def back(text: str) -> TextReading:
    result = read_processing_time(text)
    assert result.reading is None, result.reading
    assert result.reason
    return result


def candidates(result: TextReading) -> set[tuple[ProcessingTime, dt.time | None]]:
    return {(c.time, c.cutoff) for c in result.candidates}


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", "5", WD),
        ("03 giờ làm việc", "3", WH),
        ("15 ngày", "15", CD),
        ("Không quá 10 ngày làm việc", "10", WD),
        ("0,5 ngày làm việc", "0.5", WD),
        ("0.5 ngày làm việc", "0.5", WD),
        ("khong qua 10 ngay lam viec", "10", WD),
        ("KHÔNG QUÁ 10 NGÀY LÀM VIỆC", "10", WD),
        ("  05   ngày\tlàm   việc ", "5", WD),
        ("Tối đa 20 ngày kể từ ngày nhận đủ hồ sơ", "20", CD),
        ("Trong 05 ngày làm việc", "5", WD),
        ("Chậm nhất 07 ngày làm việc", "7", WD),
        ("1/2 ngày làm việc", "0.5", WD),
        ("½ ngày làm việc", "0.5", WD),
    ],
)
def test_digits_with_their_unit(text: str, value: str, unit: str) -> None:
    reading = read(text)
    assert reading.time == pt(value, unit) and reading.cutoff is None


def test_the_phrase_read_is_kept_for_the_supervisor() -> None:
    reading = read("Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ; trường hợp cần xác minh "
                   "thì không quá 10 ngày làm việc")
    assert reading.phrase == "Không quá 05 ngày làm việc kể từ ngày nhận đủ hồ sơ"
    assert reading.label() == "5 ngày làm việc"


def test_nfd_input_reads_like_nfc() -> None:
    text = unicodedata.normalize("NFD", "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ")
    assert read(text).time == pt("5", WD)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("một ngày", "1", CD), ("hai ngày làm việc", "2", WD), ("ba ngày", "3", CD),
        ("bốn ngày", "4", CD), ("năm ngày làm việc", "5", WD), ("sáu ngày làm việc", "6", WD),
        ("bảy ngày", "7", CD), ("bẩy ngày", "7", CD), ("tám giờ làm việc", "8", WH),
        ("chín ngày", "9", CD), ("Mười ngày", "10", CD), ("mười một ngày", "11", CD),
        ("mười bốn ngày làm việc", "14", WD), ("mười lăm ngày làm việc", "15", WD),
        ("mười nhăm ngày", "15", CD), ("hai mươi ngày", "20", CD),
        ("hai mươi mốt ngày", "21", CD), ("hai mươi tư giờ làm việc", "24", WH),
        ("hai mươi lăm ngày", "25", CD), ("ba mươi ngày kể từ ngày nhận đủ hồ sơ", "30", CD),
        ("bốn mươi lăm ngày", "45", CD), ("sáu mươi ngày", "60", CD),
        ("một trăm ngày", "100", CD), ("một trăm linh năm ngày", "105", CD),
        ("một trăm lẻ một ngày", "101", CD), ("một trăm hai mươi ngày", "120", CD),
        ("nửa ngày làm việc", "0.5", WD),
        ("Năm (05) ngày làm việc", "5", WD), ("05 (năm) ngày làm việc", "5", WD),
        ("mười lăm (15) ngày làm việc", "15", WD), ("15 (mười lăm) ngày làm việc", "15", WD),
    ],
)
def test_numbers_in_words(text: str, value: str, unit: str) -> None:
    assert read(text).time == pt(value, unit)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mười năm", "năm"),  # ten years: "năm" after a tens word is the year
        ("hai mươi năm", "năm"),
        ("mười mốt ngày", "không thấy"),  # not a number: "mốt" follows twenty and up only
        ("Một cửa liên thông; hai bên nam, nữ", "không thấy"),
        ("Trả kết quả sau ngày nhận hồ sơ", "không thấy"),  # "sau" (after), not "sáu"
        ("Tư pháp", "không thấy"),
    ],
)
def test_words_that_only_look_like_numbers(text: str, reason: str) -> None:
    assert reason in back(text).reason  # type: ignore[operator]


def test_a_number_in_words_and_in_digits_must_agree() -> None:
    result = back("Trong thời hạn không quá mười bảy (13) ngày làm việc")
    assert "17 và 13" in (result.reason or "")
    assert candidates(result) == {(pt("17", WD), None), (pt("13", WD), None)}


@pytest.mark.parametrize(
    "text",
    [
        "Trong ngày", "Trong ngày làm việc", "trong ngay", "Giải quyết trong cùng ngày",
        "Giải quyết ngay", "Trả kết quả ngay khi nhận đủ hồ sơ", "Ngay khi nhận hồ sơ",
        "Ngay sau khi nhận đủ giấy tờ theo quy định", "ngay sau khi nhan du ho so",
        "Ngay trong ngày tiếp nhận hồ sơ", "Trong ngày cơ quan, tổ chức tiếp nhận yêu cầu",
    ],
)
def test_same_day(text: str) -> None:
    reading = read(text)
    assert reading.time == ProcessingTime.same_day() and reading.cutoff is None


def test_ngay_and_ngày_are_told_apart_by_the_accent() -> None:
    # "05 ngày sau khi …" is five days after; "ngay sau khi" is at once
    assert read("05 ngày sau khi nhận đủ hồ sơ hợp lệ").time == pt("5", CD)
    assert read("Trả kết quả ngay sau khi nhận đủ hồ sơ hợp lệ").time == ProcessingTime.same_day()
    # typed without accents the two cannot be told apart: both readings go back
    assert candidates(back("05 ngay sau khi nhan du ho so hop le")) == {
        (pt("5", CD), None), (ProcessingTime.same_day(), None)}


@pytest.mark.parametrize(
    "text",
    [
        "trong ngày làm việc tiếp theo",  # the cut-off's consequence, not a same-day time
        "trả vào ngày hôm sau",
        "gửi ngay phiếu hẹn cho người nộp",  # "ngay" about the slip, not the result
        "Tiếp nhận ngay",
        "Theo quy định", "Không quy định", "Trong tháng",
    ],
)
def test_not_a_processing_time(text: str) -> None:
    assert "không thấy" in (back(text).reason or "")


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("trong ngày; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc "
         "tiếp theo", dt.time(15)),
        ("Trong ngày; nhận hồ sơ sau 15h thì trả kết quả ngày hôm sau", dt.time(15)),
        ("Trong ngày; nhận hồ sơ sau 15h30 thì trả kết quả ngày làm việc tiếp theo",
         dt.time(15, 30)),
        ("Trong ngày; nhận hồ sơ sau 16 giờ 30 phút thì trả kết quả ngày hôm sau",
         dt.time(16, 30)),
        ("Trong ngày; nhận hồ sơ sau 3 giờ chiều thì trả kết quả ngày hôm sau", dt.time(15)),
        ("Trong ngày làm việc (đối với hồ sơ nộp trước 16 giờ)", dt.time(16)),
        ("Ngay trong ngày tiếp nhận yêu cầu, trường hợp nhận hồ sơ sau 15 giờ mà không giải "
         "quyết được ngay thì trả kết quả trong ngày làm việc tiếp theo", dt.time(15)),
        ("Trong ngày; hồ sơ nộp trước 16 giờ được trả trong ngày, nộp sau 16 giờ trả vào ngày "
         "hôm sau", dt.time(16)),
    ],
)
def test_same_day_with_the_cutoff_hour_of_the_text(text: str, at: dt.time) -> None:
    reading = read(text)
    assert (reading.time, reading.cutoff) == (ProcessingTime.same_day(), at)
    assert reading.cutoff_phrase and str(at.hour) in reading.cutoff_phrase.replace("3 giờ", "15")


def test_a_cutoff_that_starts_the_clock_next_day_goes_with_working_days() -> None:
    reading = read("03 ngày làm việc; trường hợp nhận hồ sơ sau 15 giờ thì tính từ ngày làm "
                   "việc tiếp theo")
    assert (reading.time, reading.cutoff) == (pt("3", WD), dt.time(15))
    assert reading.label() == "3 ngày làm việc, nhận sau 15:00 tính từ ngày làm việc tiếp theo"


@pytest.mark.parametrize(
    ("text", "reason", "expected"),
    [
        ("( nếu nhận hồ sơ sau 15h thì trả hồ sơ vào ngày hôm sau) : 1 ngày", "trong ngày",
         {(ProcessingTime.same_day(), dt.time(15)), (pt("1", CD), dt.time(15))}),
        ("Trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo; riêng thứ Sáu "
         "nhận sau 16 giờ thì trả vào ngày làm việc tiếp theo", "nhiều giờ chốt",
         {(ProcessingTime.same_day(), dt.time(15)), (ProcessingTime.same_day(), dt.time(16))}),
        ("Trong ngày; trường hợp nhận hồ sơ sau 15 giờ thì giải quyết trong 02 ngày làm việc",
         "thời hạn khác", {(ProcessingTime.same_day(), dt.time(15))}),
        ("Trong ngày; nhận hồ sơ sau 25 giờ thì trả hôm sau", "không hợp lệ", set()),
        ("Trong ngày; nhận hồ sơ sau 14 giờ 75 thì trả hôm sau", "không hợp lệ", set()),
        ("Trong ngày; nhận hồ sơ sau 0 giờ thì trả hôm sau", "không hợp lệ", set()),
    ],
)
def test_cutoffs_that_cannot_be_trusted_are_listed_back(
    text: str, reason: str, expected: set[tuple[ProcessingTime, dt.time | None]]
) -> None:
    result = back(text)
    assert reason in (result.reason or "") and candidates(result) == expected


def test_a_clock_time_that_is_no_cutoff_is_ignored() -> None:
    assert read("Sáng từ 07 giờ đến 11 giờ 30; 03 ngày làm việc").cutoff is None
    assert read("05 ngày làm việc; chỉ được tiến hành sau 24 giờ kể từ khi công bố").cutoff is None


@pytest.mark.parametrize(
    ("text", "value", "unit", "exceptions"),
    [
        ("Trong ngày; trường hợp cần phải xác minh, thì thời hạn xác minh là 03 ngày.", "0", SD,
         ["trường hợp cần phải xác minh, thì thời hạn xác minh là 03 ngày"]),
        ("03 ngày làm việc, trường hợp phải xác minh thì không quá 10 ngày làm việc.", "3", WD,
         ["trường hợp phải xác minh thì không quá 10 ngày làm việc"]),
        ("15 ngày làm việc (trường hợp cần lấy ý kiến thì tối đa không quá 25 ngày làm việc)",
         "15", WD, ["trường hợp cần lấy ý kiến thì tối đa không quá 25 ngày làm việc"]),
        ("15 ngày, có thể gia hạn thêm 15 ngày", "15", CD, ["có thể gia hạn thêm 15 ngày"]),
        ("Trường hợp cần xác minh: 10 ngày làm việc; các trường hợp khác: 05 ngày làm việc",
         "5", WD, ["Trường hợp cần xác minh: 10 ngày làm việc"]),
        ("05 ngày làm việc; 10 ngày làm việc đối với trường hợp phải xác minh", "5", WD,
         ["10 ngày làm việc đối với trường hợp phải xác minh"]),
        ("Không quá 20 ngày (không kể thời gian thực hiện nghĩa vụ tài chính)", "20", CD,
         ["không kể thời gian thực hiện nghĩa vụ tài chính"]),
        ("Trường hợp hồ sơ hợp lệ thì trong 05 ngày làm việc trả kết quả", "5", WD, []),
        ("05 ngày làm việc. Trường hợp từ chối phải trả lời bằng văn bản", "5", WD, []),
        ("05 ngày làm việc (đối với hồ sơ hợp lệ)", "5", WD, []),
    ],
)
def test_a_default_with_named_exceptions(
    text: str, value: str, unit: str, exceptions: list[str]
) -> None:
    result = read_processing_time(text)
    assert result.reading is not None and result.reading.time == pt(value, unit)
    assert list(result.exceptions) == exceptions


@pytest.mark.parametrize(
    "text",
    [
        "- Trường hợp mất giấy phép: 07 ngày làm việc. - Trường hợp giấy phép hết hạn: 10 ngày "
        "làm việc.",
        "03 ngày làm việc đối với trường hợp không phải tra cứu; 10 ngày làm việc đối với các "
        "trường hợp phải tra cứu",
        "Thời hạn 10 ngày làm việc (đối với hồ sơ trực tiếp), 07 ngày làm việc (đối với hồ sơ "
        "trực tuyến)",
    ],
)
def test_only_per_case_times_are_listed_back_with_each_case(text: str) -> None:
    result = back(text)
    assert {c.time.value for c in result.candidates} >= {Decimal(7), Decimal(10)} or \
        {c.time.value for c in result.candidates} == {Decimal(3), Decimal(10)}


def test_a_time_for_one_case_only_is_listed_back() -> None:
    result = back("Cấp xác nhận trong thời hạn 01 ngày làm việc với trường hợp thông tin có "
                  "trong Cơ sở dữ liệu")
    assert "từng trường hợp" in (result.reason or "")
    assert candidates(result) == {(pt("1", WD), None)}


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("20 ngày làm việc (trong đó Sở Xây dựng 15 ngày làm việc)", "20", WD),
        ("20 ngày làm việc (Sở Xây dựng 15 ngày, UBND tỉnh 05 ngày)", "20", WD),
        ("Thời gian giải quyết 17 ngày. - Phòng Tài nguyên 14 ngày. - Bộ phận một cửa 03 ngày.",
         "17", CD),
        ("20 ngày làm việc, trong đó: Sở 12 ngày; UBND tỉnh 08 ngày", "20", WD),
        ("16 giờ làm việc (trong đó bộ phận một cửa 4 giờ làm việc)", "16", WH),
        ("Bộ phận một cửa: 0,5 ngày; Phòng chuyên môn: 4 ngày; Lãnh đạo: 0,5 ngày. Tổng: 05 ngày "
         "làm việc", "5", WD),
        ("Tổng thời gian giải quyết: 15 ngày làm việc, trong đó Sở 10 ngày làm việc", "15", WD),
    ],
)
def test_a_total_with_its_breakdown_reads_as_the_total(text: str, value: str, unit: str) -> None:
    assert read(text).time == pt(value, unit)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("20 ngày làm việc (trong đó Sở Xây dựng 15 ngày, UBND tỉnh 10 ngày)", "không khớp"),
        ("không quá năm (05) ngày làm việc + Bộ phận một cửa: 02 ngày + Văn phòng: 10 ngày",
         "không khớp"),
        ("20 ngày làm việc (Sở Xây dựng 15 ngày, UBND tỉnh 04 ngày)", "không khớp"),
        ("20 ngày làm việc; Sở Xây dựng 15 ngày", "nhiều cách đọc"),
    ],
)
def test_a_breakdown_that_does_not_add_up_is_listed_back(text: str, reason: str) -> None:
    assert reason in (back(text).reason or "")


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [("05-07 ngày làm việc", "5", "7", WD), ("từ 3 đến 5 ngày làm việc", "3", "5", WD),
     ("15 -25 ngày làm việc", "15", "25", WD), ("10 – 15 ngày", "10", "15", CD)],
)
def test_a_range_is_listed_back_with_both_ends(text: str, low: str, high: str, unit: str) -> None:
    result = back(text)
    assert "khoảng" in (result.reason or "")
    assert candidates(result) == {(pt(low, unit), None), (pt(high, unit), None)}


@pytest.mark.parametrize(
    "text",
    [
        "Trong ngày (tối đa 3 ngày)",
        "Trực tiếp: 05 ngày làm việc; Trực tuyến: 03 ngày làm việc",
        "05 ngày làm việc (05 ngày)",
        "Thời hạn giải quyết lần 1: 01 ngày làm việc; Thời hạn giải quyết lần 2: 05 ngày làm việc",
    ],
)
def test_two_readings_are_listed_back(text: str) -> None:
    result = back(text)
    assert "nhiều cách đọc" in (result.reason or "") and len(result.candidates) == 2


def test_the_same_time_on_every_channel_is_one_reading() -> None:
    text = "Trực tiếp: 05 ngày làm việc; Trực tuyến: 05 ngày làm việc; Bưu chính: 05 ngày làm việc"
    assert read(text).time == pt("5", WD)


@pytest.mark.parametrize(
    "text",
    [
        "Trong thời hạn 15 ngày, kể từ ngày hoàn tất giao dịch, công ty … thông báo …",
        "Doanh nghiệp phải đăng ký thay đổi trong thời hạn 10 ngày kể từ ngày có thay đổi",
        "Trong thời hạn 60 ngày kể từ ngày sinh con, cha hoặc mẹ có trách nhiệm đăng ký khai sinh",
        "Trong thời hạn 10 ngày làm việc kể từ ngày nhận được thông báo, doanh nghiệp phải nộp bổ "
        "sung hồ sơ",
        "Người yêu cầu có trách nhiệm xác nhận thông tin (tối đa một ngày)",
    ],
)
def test_the_applicants_own_deadline_is_no_processing_time(text: str) -> None:
    result = back(text)
    assert "người nộp" in (result.reason or "") and len(result.candidates) == 1


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Trong thời hạn 10 ngày kể từ ngày có quyết định, Sở Tư pháp phải cấp giấy", "10", CD),
        ("Trong thời hạn 03 ngày làm việc kể từ ngày nhận được hồ sơ hợp lệ, Phòng Đăng ký kinh "
         "doanh cấp Giấy chứng nhận cho doanh nghiệp", "3", WD),
        ("Cơ quan đăng ký kinh doanh cấp giấy cho hộ kinh doanh trong thời hạn 03 ngày làm việc",
         "3", WD),
        ("Giao đất cho hộ gia đình, cá nhân không thuộc trường hợp phải đấu giá: 27 ngày làm việc",
         "27", WD),
    ],
)
def test_the_agency_acting_for_an_applicant_is_still_the_agency(
    text: str, value: str, unit: str
) -> None:
    assert read(text).time == pt(value, unit)


@pytest.mark.parametrize(
    "text",
    [
        "Bước 2: Trong thời hạn 03 ngày làm việc, kể từ ngày nhận hồ sơ, Sở kiểm tra hồ sơ",
        "Bước 1: nộp hồ sơ. Bước 2: trong 03 ngày làm việc kiểm tra. Bước 3: trong 03 ngày làm "
        "việc thẩm định",
        "a) Trong thời hạn 02 ngày làm việc kiểm tra hồ sơ; b) Trong thời hạn 05 ngày làm việc "
        "thẩm định",
    ],
)
def test_times_of_steps_without_a_total_are_listed_back(text: str) -> None:
    assert "từng bước" in (back(text).reason or "") or "nhiều cách đọc" in (back(text).reason or "")


def test_a_mandatory_step_is_no_step() -> None:
    assert read("Bắt buộc 05 ngày làm việc kể từ ngày nhận đủ hồ sơ").time == pt("5", WD)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Theo quy định tại khoản 2 Điều 5 Nghị định số 23/2015/NĐ-CP: 03 ngày làm việc", "3", WD),
        ("Quyết định số 1234 ngày 05/3/2024: 05 ngày làm việc", "5", WD),
        ("QĐ 1234 ngày 12/3/2020: 07 ngày làm việc", "7", WD),
        ("Nghị định 43 ngày 15/5/2014 quy định: 30 ngày", "30", CD),
        ("Cấp theo Mẫu số 05 ban hành kèm theo Nghị định số 17/2020/NĐ-CP trong 15 ngày làm việc",
         "15", WD),
        ("Lệ phí 8.000 đồng; 03 ngày làm việc", "3", WD),
        ("Nghị định 123/2015/NĐ-CP ngày 15 tháng 11 năm 2015; Trong ngày", "0", SD),
        ("Thông tư 04 ngày 28/5/2020: 10 ngày", "10", CD),
        ("Bước 1 nộp hồ sơ; 10 ngày", "10", CD),
    ],
)
def test_citations_dates_and_money_are_not_durations(text: str, value: str, unit: str) -> None:
    assert read(text).time == pt(value, unit)


def test_a_date_alone_is_no_time() -> None:
    assert "không thấy" in (back("Rà soát từ ngày 01 tháng 9 đến hết ngày 14 tháng 12").reason
                            or "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "trống"), ("   ", "trống"),
        ("05 tháng", "tháng"), ("02 tuần", "tuần"), ("01 năm", "năm"), ("30 phút", "phút"),
        ("01 buổi làm việc", "buổi"), ("24 giờ", "giờ đồng hồ"),
        ("0 ngày làm việc", "bằng 0"), ("1,5 ngày", "số nguyên"),
        ("366 ngày", "quá dài"), ("2921 giờ làm việc", "quá dài"),
        ("05 ngày làm việc; hiệu lực 05 năm", "năm"),
    ],
)
def test_what_the_engine_cannot_count_is_listed_back(text: str, reason: str) -> None:
    assert reason in (back(text).reason or "")


@pytest.mark.parametrize(("text", "value", "unit"),
                         [("365 ngày", "365", CD), ("2920 giờ làm việc", "2920", WH)])
def test_the_longest_times_still_read(text: str, value: str, unit: str) -> None:
    assert read(text).time == pt(value, unit)


def test_a_number_without_a_unit_offers_both_day_units() -> None:
    result = back("15")
    assert "không kèm đơn vị" in (result.reason or "")
    assert candidates(result) == {(pt("15", WD), None), (pt("15", CD), None)}
    assert back("Số ngày xử lý: 0").candidates == ()
    assert back("Số ngày xử lý: 2,5").candidates == ()


def test_parse_processing_time_raises_with_the_reason_and_the_readings() -> None:
    assert parse_processing_time("05 ngày làm việc") == pt("5", WD)
    with pytest.raises(ProcessingTimeParseError) as caught:
        parse_processing_time("Trong ngày (tối đa 3 ngày)")
    assert caught.value.text == "Trong ngày (tối đa 3 ngày)"
    assert "nhiều cách đọc" in caught.value.reason and isinstance(caught.value, ValueError)
    assert {c.time for c in caught.value.candidates} == {ProcessingTime.same_day(), pt("3", CD)}


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


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("05 ngày (làm việc)", "5", WD),
        ("02 ngày làm việc (16 giờ làm việc)", "2", WD),  # the same time said twice
        ("Không quá 20 ngày làm việc, kể từ ngày nhận được hồ sơ hợp lệ. Trong thời hạn 03 ngày "
         "làm việc, kể từ ngày nhận hồ sơ, nếu hồ sơ chưa hợp lệ thì cơ quan tiếp nhận phải "
         "thông báo cho tổ chức", "20", WD),
        ("12 giờ làm việc", "12", WH),
    ],
)
def test_equivalent_and_incidental_times_do_not_compete(text: str, value: str,
                                                        unit: str) -> None:
    assert read(text).time == pt(value, unit)


def test_working_hours_that_are_no_whole_day_stay_hours() -> None:
    assert "nhiều cách đọc" in (back("02 ngày làm việc (12 giờ làm việc)").reason or "")


def test_same_day_or_next_day_without_an_hour_is_listed_back() -> None:
    result = back("Trong ngày làm việc hoặc ngày làm việc tiếp theo")
    assert candidates(result) == {(ProcessingTime.same_day(), None), (pt("1", WD), None)}
    assert read("Trong ngày làm việc hoặc ngày làm việc tiếp theo nếu nhận hồ sơ sau 15 giờ"
                ).cutoff == dt.time(15)


@pytest.mark.parametrize(
    "text",
    [
        "Người sử dụng lao động phải thông báo trước ít nhất 15 ngày",
        "Doanh nghiệp gửi thông báo ít nhất 03 ngày làm việc trước khi tạm ngừng kinh doanh",
        "Thông báo tối thiểu 10 ngày trước ngày khai trương",
    ],
)
def test_a_minimum_or_an_advance_notice_is_the_applicants(text: str) -> None:
    assert "người nộp" in (back(text).reason or "")


def test_dash_bullets_split_cases() -> None:
    result = back("– Trường hợp cấp mới: 10 ngày làm việc – Trường hợp cấp lại: 05 ngày làm việc")
    assert "từng trường hợp" in (result.reason or "")
    assert result.exceptions == ("Trường hợp cấp mới: 10 ngày làm việc",
                                 "Trường hợp cấp lại: 05 ngày làm việc")


@pytest.mark.parametrize(
    ("text", "exceptions"),
    [
        # a bracket inside a bracket stays in the case it belongs to
        ("05 ngày làm việc (trường hợp hồ sơ (bản giấy) phải xác minh: 10 ngày làm việc)",
         ["trường hợp hồ sơ (bản giấy) phải xác minh: 10 ngày làm việc"]),
        # the extension starts at its comma; with no comma, at its word
        ("15 ngày, có thể gia hạn thêm 15 ngày", ["có thể gia hạn thêm 15 ngày"]),
        ("15 ngày và được gia hạn thêm 15 ngày", ["gia hạn thêm 15 ngày"]),
        ("15 ngày, kể từ ngày nhận hồ sơ, có thể kéo dài thêm 10 ngày",
         ["có thể kéo dài thêm 10 ngày"]),
        # a full stop ends a clause only before a capital letter
        ("15 ngày. Trường hợp phức tạp: 30 ngày", ["Trường hợp phức tạp: 30 ngày"]),
        ("15 ngày. trường hợp phức tạp thì 30 ngày", ["trường hợp phức tạp thì 30 ngày"]),
        ("0.5 ngày làm việc; nếu phải xác minh thì 1.5 ngày làm việc",
         ["nếu phải xác minh thì 1.5 ngày làm việc"]),
    ],
)
def test_where_a_named_case_begins(text: str, exceptions: list[str]) -> None:
    result = read_processing_time(text)
    assert result.reading is not None, result.reason
    assert list(result.exceptions) == exceptions


def test_a_bracket_of_an_earlier_clause_is_not_taken_again() -> None:
    result = read_processing_time("05 ngày làm việc (trường hợp xác minh: 10 ngày làm việc); "
                                  "riêng hồ sơ trực tuyến: 03 ngày làm việc")
    assert result.reading is not None and result.reading.time == pt("5", WD)
    assert result.exceptions == ("trường hợp xác minh: 10 ngày làm việc",
                                 "riêng hồ sơ trực tuyến: 03 ngày làm việc")


@pytest.mark.parametrize(
    "text",
    [
        "05 ngày làm việc, trường hợp hồ sơ hợp lệ thì trả kết quả tại bộ phận một cửa",
        "05 ngày làm việc, trường hợp yêu cầu đầy đủ thì trả kết quả qua bưu chính",
    ],
)
def test_the_normal_case_is_no_exception(text: str) -> None:
    result = read_processing_time(text)
    assert result.reading is not None and result.reading.phrase == text
    assert result.exceptions == ()


@pytest.mark.parametrize(
    ("text", "applicant"),
    [
        ("Trong thời hạn 10 ngày, kể từ ngày nhận được hồ sơ, cơ quan đăng ký cấp giấy", False),
        ("Trong thời hạn 10 ngày, kể từ ngày có thay đổi, Sở Tư pháp cấp giấy", False),
        ("Trong thời hạn 10 ngày, kể từ ngày có thay đổi, doanh nghiệp phải đăng ký", True),
        ("Trong thời hạn 10 ngày, kể từ ngày có thay đổi, doanh nghiệp được cấp giấy", False),
        ("Trong thời hạn 10 ngày kể từ ngày có thay đổi", True),
        ("Trong thời hạn 10 ngày kể từ ngày nhận được đơn của doanh nghiệp", False),
        ("Trong thời hạn 10 ngày cấp giấy cho doanh nghiệp", False),
        ("Doanh nghiệp được cấp giấy trong thời hạn 10 ngày", False),
        ("Cha, mẹ có trách nhiệm đi đăng ký trong thời hạn 60 ngày", True),
        # the actor's verb too far for the actor rule: the applicant's own event decides
        ("Trong thời hạn 15 ngày kể từ ngày có người chết thì vợ, chồng hoặc con, cha, mẹ hoặc "
         "người thân thích khác của người chết có trách nhiệm đi đăng ký khai tử", True),
        ("Trong thời hạn 10 ngày kể từ ngày nhận đủ hồ sơ, cha, mẹ hoặc người giám hộ khác của trẻ "
         "em nhận kết quả", False),
        ("Trong thời hạn 10 ngày, kể từ ngày có thay đổi, doanh nghiệp và chi nhánh được cấp giấy",
         False),
        ("Trong thời hạn 10 ngày, kể từ ngày có thay đổi, doanh nghiệp và các chi nhánh của mình "
         "được cấp giấy", True),  # past the passive's reach: the applicant's event decides
        # the actor is looked for after what the time is counted from, not inside it
        ("Trong thời hạn 05 ngày làm việc, kể từ ngày doanh nghiệp nộp đủ hồ sơ, cơ quan đăng ký "
         "kinh doanh cấp giấy", False),
        ("Trong thời hạn 10 ngày, kể từ ngày cơ quan đăng ký nhận được hồ sơ, doanh nghiệp phải "
         "nộp lệ phí", True),
        ("Trong thời hạn 10 ngày, kể từ ngày nhận được thông báo, trong mọi trường hợp doanh "
         "nghiệp phải nộp lệ phí", True),
        # a minimum or an advance notice, each on its own
        ("Ít nhất 15 ngày", True),
        ("03 ngày làm việc trước khi tạm ngừng kinh doanh", True),
        ("03 ngày làm việc sau khi tạm ngừng kinh doanh", False),
    ],
)
def test_who_must_act_within_the_time(text: str, applicant: bool) -> None:
    result = read_processing_time(text)
    assert (result.reading is None and "người nộp" in (result.reason or "")) is applicant
