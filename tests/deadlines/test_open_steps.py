"""The open steps of dossiers without progress records, found together (app/deadlines/open_steps):
each one must be the step engine's own (`step_timeline(…, open_only=True).open_step`), whatever
the clock start, the allotment (in-person, online, none, zero), the instant and the office hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    ProcedureRule,
    ProcessingTime,
    evaluate,
    working_clock,
)
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.open_steps import open_steps_from_start, without_records
from app.deadlines.status import S
from app.deadlines.step_types import ProcessStep
from app.deadlines.steps import StepInputs, step_timeline

DESK, JUSTICE = "Bộ phận một cửa", "Phòng Tư pháp"
HOME = "UBND xã Tân Phú"
RULE = ProcedureRule(ProcessingTime(Decimal(4), "working_days"))
PROCESSES: list[tuple[ProcessStep, ...]] = [
    (ProcessStep("Tiếp nhận", (DESK,), Decimal(4), Decimal("1.5")),
     ProcessStep("Thẩm định", (JUSTICE,), Decimal(16))),
    (ProcessStep("Thẩm định", (JUSTICE,), Decimal("0.0003")),),  # about a second
    (ProcessStep("Tiếp nhận", (DESK,), Decimal(0)),),  # a zero allotment: due at the start
    (ProcessStep("Tiếp nhận", (DESK,), None),),  # no allotment: no due
    (ProcessStep("Tiếp nhận", (), Decimal(8)),),  # no unit named
    (),  # no process: an unknown unit
]
SHORT_DAYS = OfficeHours(((time(8, 0), time(11, 0)),))


def test_many_open_steps_are_the_step_engines_own(cal: CivilServiceCalendar) -> None:
    base = datetime(2026, 3, 2, 6, 0, tzinfo=LOCAL_TZ)
    clocks = [working_clock(cal, DEFAULT_OFFICE_HOURS), working_clock(cal, SHORT_DAYS)]
    items = []
    for n in range(360):
        received = base + timedelta(minutes=97 * n)  # in and out of sessions, over weekends
        as_of = received + timedelta(hours=(n * 7) % 90)
        clock = clocks[n % 2]
        hours = DEFAULT_OFFICE_HOURS if n % 2 == 0 else SHORT_DAYS
        result = evaluate(received, RULE, [], cal, hours, as_of=as_of)
        inputs = StepInputs(PROCESSES[n % len(PROCESSES)], HOME, {}, online=n % 3 == 0,
                            due_soon_hours=Decimal(n % 5))
        assert without_records(result)
        items.append((result, clock, inputs))
    expected = [step_timeline([], r, c, i, open_only=True).open_step for r, c, i in items]
    found = open_steps_from_start(items)
    assert found == expected
    assert {s.classification for s in found} >= {"overdue", "due_soon", "in_time", "no_due"}


def test_a_dossier_the_shortcut_does_not_cover_is_refused(cal: CivilServiceCalendar) -> None:
    received = datetime(2026, 3, 2, 8, 0, tzinfo=LOCAL_TZ)
    done = evaluate(received, RULE, [], cal, DEFAULT_OFFICE_HOURS,
                    as_of=received + timedelta(days=1), finished_at=received + timedelta(hours=3))
    assert not without_records(done)
    with pytest.raises(ValueError, match="paused, closed"):
        open_steps_from_start([(done, working_clock(cal, DEFAULT_OFFICE_HOURS),
                                StepInputs(PROCESSES[0], HOME, {}))])


def test_an_excluded_dossier_has_no_open_step_to_find(cal: CivilServiceCalendar) -> None:
    """A dossier whose status takes it out of the rates (withdrawn, refused: EXCLUDED) holds
    no open step in the step engine; the shortcut must leave it to that engine."""
    received = datetime(2026, 3, 2, 8, 0, tzinfo=LOCAL_TZ)
    excluded = evaluate(received, RULE, [], cal, DEFAULT_OFFICE_HOURS,
                        as_of=received + timedelta(days=1), status=int(S.WITHDRAWN))
    assert excluded.classification == "excluded" and excluded.finished_at is None
    assert step_timeline([], excluded, working_clock(cal, DEFAULT_OFFICE_HOURS),
                         StepInputs(PROCESSES[0], HOME, {}), open_only=True).open_step is None
    assert not without_records(excluded)
