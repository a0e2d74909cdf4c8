"""Cut-off hours found in a processing-time text (app/deadlines/cutoffs.py), at their boundaries:
which clock times count, the valid hours and minutes, "chiều", the next-day return, the phrase."""

from __future__ import annotations

import datetime as dt

import pytest

from app.deadlines.clauses import Clause
from app.deadlines.cutoffs import Cutoff, find_cutoffs, with_phrases
from app.deadlines.vi_text import prepare


def hours(text: str) -> list[dt.time]:
    return [c.at for c in find_cutoffs(prepare(text))]


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("nhận hồ sơ sau 1 giờ thì trả vào ngày làm việc tiếp theo", dt.time(1)),
        ("nhận hồ sơ sau 23 giờ thì trả vào ngày làm việc tiếp theo", dt.time(23)),
        ("nhận hồ sơ sau 15 giờ 59 phút thì trả vào ngày làm việc tiếp theo", dt.time(15, 59)),
        ("nhận hồ sơ sau 15h30 thì trả vào ngày làm việc tiếp theo", dt.time(15, 30)),
        # "chiều" adds 12 up to 11 giờ; 12 giờ chiều is noon
        ("nhận hồ sơ sau 3 giờ chiều thì trả vào ngày làm việc tiếp theo", dt.time(15)),
        ("nhận hồ sơ sau 11 giờ chiều thì trả vào ngày làm việc tiếp theo", dt.time(23)),
        ("nhận hồ sơ sau 12 giờ chiều thì trả vào ngày làm việc tiếp theo", dt.time(12)),
    ],
)
def test_valid_hours_are_read(text: str, at: dt.time) -> None:
    assert hours(text) == [at]


@pytest.mark.parametrize(
    "text",
    [
        "nhận hồ sơ sau 0 giờ thì trả vào ngày làm việc tiếp theo",
        "nhận hồ sơ sau 24 giờ thì trả vào ngày làm việc tiếp theo",
        "nhận hồ sơ sau 15 giờ 60 thì trả vào ngày làm việc tiếp theo",
    ],
)
def test_an_hour_that_is_none_is_an_error_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="giờ chốt không hợp lệ: sau"):
        find_cutoffs(prepare(text))


def test_a_receipt_word_at_the_very_start_of_the_clause_counts() -> None:
    assert hours("Nhận hồ sơ sau 15 giờ thì trả vào buổi sáng") == [dt.time(15)]


def test_a_receipt_word_after_the_clock_time_does_not() -> None:
    assert hours("05 ngày làm việc; trả kết quả sau 16 giờ cho người nhận") == []


def test_a_clock_time_that_is_skipped_does_not_hide_the_cutoff_after_it() -> None:
    text = "Làm việc trước 7 giờ, hồ sơ nhận sau 15 giờ thì trả vào buổi sáng"
    assert hours(text) == [dt.time(15)]


@pytest.mark.parametrize(
    ("text", "same_day"),
    [
        ("nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo", True),
        ("nhận hồ sơ sau 15 giờ thì trả vào buổi sáng", False),
        ("nhận hồ sơ sau 15 giờ thì thời hạn tính từ ngày làm việc tiếp theo", False),
    ],
)
def test_same_day_means_the_result_comes_back_the_next_day(text: str, same_day: bool) -> None:
    assert [c.same_day for c in find_cutoffs(prepare(text))] == [same_day]


def test_the_span_is_the_clock_phrase() -> None:
    text = "03 ngày làm việc; nhận hồ sơ sau 15 giờ 30 phút thì trả vào ngày làm việc tiếp theo"
    (cutoff,) = find_cutoffs(prepare(text))
    assert text[cutoff.start:cutoff.end] == "sau 15 giờ 30 phút"


def test_the_phrase_is_the_smallest_clause_holding_the_cutoff() -> None:
    text = "Sau 15 giờ nhận hồ sơ thì trả vào ngày làm việc tiếp theo; 03 ngày làm việc"
    prepared = prepare(text)
    (cutoff,) = find_cutoffs(prepared)
    assert cutoff.start == 0
    first, whole = Clause(0, text.index(";"), 0), Clause(0, len(text), 0)
    (shown,) = with_phrases([cutoff], [whole, first], prepared)
    assert shown.phrase == "Sau 15 giờ nhận hồ sơ thì trả vào ngày làm việc tiếp theo"
    assert (shown.at, shown.start, shown.end, shown.same_day) == (
        cutoff.at, cutoff.start, cutoff.end, cutoff.same_day)


def test_a_cutoff_outside_every_clause_is_quoted_with_the_whole_text() -> None:
    text = "03 ngày làm việc; nhận hồ sơ sau 15 giờ thì trả vào ngày làm việc tiếp theo"
    prepared = prepare(text)
    cutoff = Cutoff(dt.time(15), text.index("sau"), text.index("sau") + 10, True)
    (shown,) = with_phrases([cutoff], [Clause(0, text.index(";"), 0)], prepared)
    assert shown.phrase == text
