"""A dossier as known at an instant, and its legal working time, by hand arithmetic.

Sessions 07:30–11:30 and 13:30–17:30 (the default office hours); Monday 3/3/2025 is a working
day, as are Tuesday 4/3 and Wednesday 5/3.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.deadlines import DEFAULT_SCHEDULE, ProcedureRule, ProcessingTime
from app.deadlines.calendar import CivilServiceCalendar
from app.forecast.history import Case, LegalClock, Step, snapshot

ICT = timezone(timedelta(hours=7))
RULE = ProcedureRule(ProcessingTime(Decimal(5), "working_days"))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=ICT)


def case(*steps: Step, finished: datetime | None = None, status: int = 10) -> Case:
    return Case(code="H1", procedure="1.0001", agency="A", received_at=at(3, 10), rule=RULE,
                hours=DEFAULT_SCHEDULE, steps=steps, status=status, finished_at=finished)


STEPS = (
    Step(at(3, 10), 2, "Bộ phận Một cửa"),
    Step(at(3, 14), 4, "Phòng Tài nguyên và Môi trường"),
    Step(at(5, 9), 9, "Lãnh đạo"),
)


def test_before_its_finish_the_dossier_is_open_at_the_unit_it_had_reached() -> None:
    later = case(*STEPS, finished=at(5, 9))
    snap = snapshot(later, at(4, 10))
    assert snap.state == "open"
    assert snap.unit == "Phòng Tài nguyên và Môi trường"
    assert snap.unit_since == at(3, 14)
    # the finish stamped after the instant is not known yet
    assert snap.reading.finished_at is None
    assert snapshot(later, at(5, 9)).state == "finished"


def test_at_receipt_it_is_at_the_desk_and_before_receipt_it_is_not_there() -> None:
    c = case(*STEPS, finished=at(5, 9))
    assert snapshot(c, at(3, 10)).unit == "Bộ phận Một cửa"
    assert snapshot(c, at(3, 9)).state == "not_received"


def test_waiting_for_a_supplement_is_paused_and_a_withdrawal_is_excluded() -> None:
    paused = case(STEPS[0], STEPS[1], Step(at(4, 8), 5, "Phòng Tài nguyên và Môi trường"),
                  status=5)
    assert snapshot(paused, at(4, 9)).state == "paused"
    withdrawn = case(STEPS[0], Step(at(4, 8), 7, "Bộ phận Một cửa"), status=7)
    assert snapshot(withdrawn, at(4, 7)).state == "open"  # the withdrawal came later
    assert snapshot(withdrawn, at(4, 9)).state == "excluded"


def test_legal_time_is_working_hours_from_the_clock_start_without_the_pause() -> None:
    clock = LegalClock(CivilServiceCalendar())
    plain = snapshot(case(*STEPS[:2], status=4), at(4, 10))
    # Mon 10:00–11:30 1.5 h + 13:30–17:30 4 h, Tue 07:30–10:00 2.5 h = 8 h; at 14:00 Mon 2 h
    assert clock.consumed_hours([plain], [[at(3, 14), at(4, 10)]]) == [[2.0, 8.0]]
    # asked for a supplement Mon 13:30, back Tue 07:30: the 4 afternoon hours do not count
    paused = case(STEPS[0], Step(at(3, 13, 30), 5, "Phòng"), Step(at(4, 7, 30), 4, "Phòng"),
                  status=4)
    snap = snapshot(paused, at(4, 10))
    assert clock.consumed_hours([snap], [[at(4, 10)]]) == [[pytest.approx(4.0)]]
