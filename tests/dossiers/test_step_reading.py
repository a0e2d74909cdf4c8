"""What stored steps mean for the clock, real senders' quirks included
(app/deadlines/store/steps.py). Pure: plain objects in, the reading out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from app.deadlines.store.steps import read_steps

ICT = timezone(timedelta(hours=7))
T0 = datetime(2025, 9, 8, 8, 30, tzinfo=ICT)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass
class D:
    status: int
    received_at: datetime = T0
    finished_at: datetime | None = None
    returned_at: datetime | None = None


@dataclass
class S:
    at: datetime
    status: int
    content: str | None = ""


def statuses(reading: object) -> list[tuple[datetime, int]]:
    return [(e.at, e.status) for e in reading.events]  # type: ignore[attr-defined]


def codes(reading: object) -> list[str]:
    return [f.code for f in reading.flags]  # type: ignore[attr-defined]


def test_plain_steps_are_read_as_sent() -> None:
    reading = read_steps(D(10), [S(T0, 2), S(h(1), 4), S(h(30), 9), S(h(31), 10)])
    assert statuses(reading) == [(T0, 2), (h(1), 4), (h(30), 9), (h(31), 10)]
    assert (reading.status, reading.finished_at, reading.returned_at) == (10, h(30), h(31))
    assert reading.flags == ()


def test_a_step_without_status_changes_nothing() -> None:
    reading = read_steps(D(4), [S(T0, 2), S(h(1), 0, "Ký duyệt"), S(h(2), 4)])
    assert statuses(reading) == [(T0, 2), (h(2), 4)]


def test_td_no_appointment_step_on_an_open_dossier_is_not_a_finish() -> None:
    steps = [S(T0, 2, "Tiếp nhận hồ sơ"), S(T0, 9, "Hồ sơ không có ngày hẹn trả")]
    reading = read_steps(D(2), steps)
    assert statuses(reading) == [(T0, 2)] and reading.finished_at is None
    assert codes(reading) == ["synthetic_finish"]


def test_td_finish_at_the_receipt_instant_of_an_open_dossier_is_not_a_finish() -> None:
    reading = read_steps(D(4), [S(T0, 2), S(T0, 9, "Kết thúc xử lý hồ sơ"), S(h(1), 4)])
    assert reading.finished_at is None and codes(reading) == ["synthetic_finish"]
    # the same text at another instant on a finished dossier is its finish
    done = read_steps(D(9), [S(T0, 2), S(h(1), 4), S(h(20), 9, "Kết thúc xử lý hồ sơ")])
    assert done.finished_at == h(20) and done.flags == ()


def test_a_finish_before_later_processing_or_pause_is_not_a_finish() -> None:
    """TD.DichVuCong reports a dossier waiting for a supplement as "9": its synthetic finish
    at NgayTiepNhan comes before the processing and the pause."""
    steps = [S(T0, 2), S(T0, 9, "Kết thúc xử lý hồ sơ"), S(h(2), 4), S(h(26), 5, "Yêu cầu bổ sung")]
    reading = read_steps(D(9), steps)
    assert statuses(reading) == [(T0, 2), (h(2), 4), (h(26), 5)]
    assert (reading.status, reading.finished_at) == (5, None)
    assert set(codes(reading)) == {"finish_before_later_steps", "finished_status_contradicted"}


def test_a_reported_finish_instant_before_later_steps_is_dropped() -> None:
    reading = read_steps(D(4, finished_at=h(3), returned_at=h(4)), [S(T0, 2), S(h(5), 4)])
    assert (reading.finished_at, reading.returned_at) == (None, None)
    assert codes(reading) == ["finish_before_later_steps", "finish_before_later_steps"]
    # a finish of the same instant as the last step stands: progression puts it after
    same = read_steps(D(9, finished_at=h(5)), [S(T0, 2), S(h(5), 4)])
    assert same.finished_at == h(5) and same.flags == ()


def test_supplement_completed_ends_the_pause_whatever_its_code() -> None:
    steps = [S(T0, 2), S(h(1), 5, "Yêu cầu bổ sung"), S(h(25), 5, "Hoàn thành bổ sung hồ sơ")]
    reading = read_steps(D(5), steps)
    assert statuses(reading) == [(T0, 2), (h(1), 5), (h(25), 4)]
    assert codes(reading) == ["supplement_done_coded_as_pause"]


def test_the_first_finish_and_return_steps_stand_in_for_missing_instants() -> None:
    reading = read_steps(D(10), [S(T0, 2), S(h(5), 10), S(h(5), 9), S(h(9), 10)])
    assert (reading.finished_at, reading.returned_at) == (h(5), h(5))


def test_a_9_and_a_4_of_one_second_keep_the_9() -> None:
    reading = read_steps(D(9), [S(T0, 2), S(h(5), 9), S(h(5), 4)])
    assert reading.finished_at == h(5) and reading.flags == ()
