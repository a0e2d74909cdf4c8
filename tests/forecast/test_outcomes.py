"""A dossier past its due at the forecast instant (probability 1 by rule) ends late, whatever is
reported after the instant: the forecast's due and the backtest's outcome come from the same
deadline engine, and the engine moves no due for what happens after it (docs/domain/
deadlines.md §5: a pause, or a supplement on a restart_on_supplement procedure, asked at or
after the due changes nothing).

Issue 17's demo backtest once showed the 0.9–1.0 reliability bin at 0.99 → 0.955. On today's
data no dossier past its due at an instant ends in time; the in-time dossiers of that bin are
near misses forecast at 0.9–0.99 (a 2-working-hour procedure finished 8 minutes before its due).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.deadlines import DEFAULT_SCHEDULE, ProcedureRule, ProcessingTime
from app.deadlines.calendar import CivilServiceCalendar
from app.forecast.backlog import Backlog
from app.forecast.backtest import instants_between, outcomes
from app.forecast.forecasting import forecast, open_at
from app.forecast.history import Case, Step
from app.forecast.model import RemainingTimeModel
from tests.forecast.world import CALENDAR, world

ICT = timezone(timedelta(hours=7))
NO_HABITS = RemainingTimeModel([])  # past the due the probability is 1 whatever was learned


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=ICT)


def _case(code: str, restart: bool, *later: Step) -> Case:
    rule = ProcedureRule(ProcessingTime(Decimal(5), "working_days"), restart_on_supplement=restart)
    steps = (Step(at(3, 10), 2, "Bộ phận Một cửa"), Step(at(3, 14), 4, "Phòng Tư pháp"), *later)
    finish = next((s.at for s in later if s.status == 9), None)
    return Case(code=code, procedure="1.0001", agency="A", received_at=at(3, 10), rule=rule,
                hours=DEFAULT_SCHEDULE, steps=steps, status=10 if finish else 4,
                finished_at=finish)


# Due Monday 10/3 10:00 (five working days from Monday 3/3 10:00); forecast Tuesday 11/3 09:00.
INSTANT = at(11, 9)
LATER = (Step(at(12, 8), 5, "Phòng Tư pháp"), Step(at(20, 8), 4, "Phòng Tư pháp"),
         Step(at(20, 9), 9, "Lãnh đạo"))


@pytest.mark.parametrize("restart", [False, True], ids=["pause", "restart_on_supplement"])
def test_a_supplement_asked_after_the_due_leaves_a_dossier_past_its_due_late(
    restart: bool,
) -> None:
    case = _case("H1", restart, *LATER)
    calendar = CivilServiceCalendar()
    [made] = forecast(open_at([case], INSTANT), INSTANT, calendar, NO_HABITS,
                      Backlog([case], INSTANT))
    assert made.working_hours_left < 0 and made.probability_late == 1.0
    assert outcomes([case], at(28, 9), calendar) == {"H1": True}


def test_on_a_generated_half_year_every_dossier_past_its_due_at_an_instant_ended_late() -> None:
    now = datetime(2026, 6, 30, 10, tzinfo=UTC)
    cases = world(now, days=200, seed=3, scale=0.5)
    labels = outcomes(cases, now, CALENDAR)
    past_due = []
    for instant in instants_between(CALENDAR, date(2026, 3, 2), date(2026, 5, 1), every_days=3):
        snaps = open_at(cases, instant)
        for made in forecast(snaps, instant, CALENDAR, NO_HABITS, Backlog(cases, instant)):
            if made.working_hours_left <= 0 and made.code in labels:
                past_due.append((made.code, labels[made.code]))
    assert len(past_due) > 50
    assert all(late for _, late in past_due), [code for code, late in past_due if not late]
