"""DEADLINES.md §8 at its boundaries, with the arithmetic done by hand (office hours 07:30–11:30
and 13:30–17:30; Monday 2 March 2026 to Friday 6 March 2026 are all working days).

The process used throughout (legal time 4 working days = 32 h):
  0 Tiếp nhận   — Bộ phận một cửa     4 h
  1 Thẩm định   — Phòng Tư pháp      16 h (12 h online)
  2 Phê duyệt   — Lãnh đạo UBND       8 h
  3 Trả kết quả — Bộ phận một cửa     4 h
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    ClockEvent,
    ProcedureRule,
    ProcessingTime,
    evaluate,
    working_clock,
)
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.step_types import ProcessStep, StepRecord, StepTimeline
from app.deadlines.steps import StepInputs, step_timeline

DESK, JUSTICE, LEADER = "Bộ phận một cửa", "Phòng Tư pháp", "Lãnh đạo UBND"
HOME = "UBND xã Tân Phú"
TAX = "Chi cục Thuế khu vực XV"
PROCESS = (
    ProcessStep("Tiếp nhận", (DESK,), Decimal(4)),
    ProcessStep("Thẩm định", (JUSTICE,), Decimal(16), Decimal(12)),
    ProcessStep("Phê duyệt", (LEADER,), Decimal(8)),
    ProcessStep("Trả kết quả", (DESK,), Decimal(4)),
)
RULE = ProcedureRule(ProcessingTime(Decimal(4), "working_days"))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=LOCAL_TZ)


def rec(when: datetime, status: int | None, unit: str | None, **kw: datetime) -> StepRecord:
    return StepRecord(at=when, status=status, unit=unit, started_at=kw.get("start"),
                      due_at=kw.get("due"))


def run(
    cal: CivilServiceCalendar,
    records: list[StepRecord],
    as_of: datetime,
    *,
    process: tuple[ProcessStep, ...] = PROCESS,
    received: datetime | None = None,
    online: bool = False,
    others: dict[str, str] | None = None,
    rule: ProcedureRule = RULE,
) -> StepTimeline:
    events = [ClockEvent(r.at, r.status) for r in records if r.status]
    result = evaluate(received or at(2, 8), rule, events, cal, DEFAULT_OFFICE_HOURS, as_of=as_of)
    inputs = StepInputs(process, HOME, {k.casefold(): v for k, v in (others or {}).items()},
                        online=online)
    return step_timeline(records, result, working_clock(cal, DEFAULT_OFFICE_HOURS), inputs)


def local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(LOCAL_TZ)


LATE_JUSTICE = [
    rec(at(2, 9), 2, DESK),
    rec(at(5, 10), 4, JUSTICE),
    rec(at(6, 9), 4, LEADER),
    rec(at(6, 15), 9, DESK),
]


def test_catalogue_allotments_and_the_responsible_unit(cal: CivilServiceCalendar) -> None:
    t = run(cal, LATE_JUSTICE, at(9, 8))
    desk, justice, leader, back = t.steps
    # Desk: clock start Mon 08:00 + 4 h = 08:00–11:30 (3.5) + 13:30–14:00 (0.5) → Mon 14:00.
    assert (local(desk.started_at), local(desk.due_at)) == (at(2, 8), at(2, 14))
    assert desk.start_basis == "clock_start" and desk.classification == "on_time"
    # Justice from Mon 09:00 + 16 h: Mon 6.5, Tue 8 → 14.5, Wed 07:30–09:00 1.5 → Wed 09:00.
    assert local(justice.due_at) == at(4, 9) and justice.due_basis == "catalogue"
    # Ended Thu 10:00: Wed 09:00–11:30 2.5 + 13:30–17:30 4 + Thu 07:30–10:00 2.5 = 9 h over.
    assert justice.classification == "late" and justice.overrun_working_hours == Decimal(9)
    assert justice.working_hours == Decimal(25)  # 16 allotted + 9 over
    # Leader: Thu 10:00 + 8 h → Fri 10:00; done Fri 09:00, same date: on time.
    assert local(leader.due_at) == at(6, 10) and leader.classification == "on_time"
    # The desk again, matched in process order to "Trả kết quả": Fri 09:00 + 4 h = Fri 15:00;
    # done at 15:00 exactly: on time (late only when past the due).
    assert back.name == "Trả kết quả" and local(back.due_at) == at(6, 15)
    assert back.classification == "on_time" and back.overrun_working_hours == 0
    # Dossier due Mon 08:00 + 32 h = Fri 08:00, finished Fri 15:00: late, because of Tư pháp.
    assert t.open_step is None
    assert t.responsible_agency == JUSTICE and t.responsible is not None
    assert t.responsible.overrun_working_hours == Decimal(9)
    assert t.responsible.named == (JUSTICE,)


def test_one_second_past_the_step_due_is_late(cal: CivilServiceCalendar) -> None:
    records = [*LATE_JUSTICE[:3], rec(at(6, 15, 0, 1), 9, DESK)]
    back = run(cal, records, at(9, 8)).steps[3]
    assert back.classification == "late"
    assert back.overrun_working_hours == Decimal("0.0003")  # 1 s = 0.000277… h


def test_an_earlier_local_date_is_early(cal: CivilServiceCalendar) -> None:
    # Leader done Thu 16:00 with the due Fri 10:00: earlier date, early.
    records = [*LATE_JUSTICE[:2], rec(at(5, 16), 4, LEADER)]
    assert run(cal, records, at(5, 16, 30)).steps[2].classification == "early"


def test_sender_given_start_and_due_win_over_the_catalogue(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 9), 2, DESK),
               rec(at(3, 10), 4, JUSTICE, start=at(2, 13, 30), due=at(3, 9))]
    justice = run(cal, records, at(3, 11)).steps[1]
    assert justice.start_basis == "sender" and local(justice.started_at) == at(2, 13, 30)
    assert justice.due_basis == "sender" and local(justice.due_at) == at(3, 9)
    # Tue 09:00 → 10:00 = 1 h over (the catalogue's 16 h would have given Wed 11:30).
    assert justice.classification == "late" and justice.overrun_working_hours == Decimal(1)


def test_online_dossier_uses_the_online_allotment(cal: CivilServiceCalendar) -> None:
    # Justice online 12 h from Mon 09:00: Mon 6.5, then 5.5 more on Tue: 07:30–11:30 4 and
    # 13:30–15:00 1.5 → Tue 15:00.
    t = run(cal, LATE_JUSTICE, at(9, 8), online=True)
    assert t.steps[1].allotted_hours == Decimal(12) and local(t.steps[1].due_at) == at(3, 15)
    # Done Thu 10:00: Tue 15:00–17:30 2.5 + Wed 8 + Thu 07:30–10:00 2.5 = 13 h over.
    assert t.steps[1].overrun_working_hours == Decimal(13)


def test_pause_inside_a_step_is_nobodys_overrun(cal: CivilServiceCalendar) -> None:
    records = [
        rec(at(2, 8, 30), 2, DESK),
        rec(at(2, 10), 5, JUSTICE),  # asks the citizen for a supplement
        rec(at(4, 10), 4, DESK),  # takes the supplement back two days later
        rec(at(5, 17), 4, JUSTICE),
    ]
    t = run(cal, records, at(5, 17, 10))
    taken_back = t.steps[2]
    # Mon 10:00 → Wed 10:00 is all the citizen's: 1.5 + 4 + 8 + 2.5 = 16 working hours paused.
    assert taken_back.paused_hours == Decimal(16) and taken_back.working_hours == 0
    # Its 4 h run from Mon 10:00 (→ Mon 16:00), moved by the 16 h pause → Wed 16:00.
    assert local(taken_back.due_at) == at(4, 16) and taken_back.classification == "on_time"
    assert taken_back.overrun_working_hours == 0
    # Justice again from Wed 10:00 + 16 h: Wed 5.5, Thu 8, Fri 07:30–10:00 → Fri 10:00; done
    # Thu 17:00, an earlier date: early.
    assert local(t.steps[3].due_at) == at(6, 10) and t.steps[3].classification == "early"


def test_open_pause_leaves_the_open_step_paused(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 8, 30), 2, DESK), rec(at(2, 10), 5, JUSTICE)]
    t = run(cal, records, at(4, 10))
    assert t.open_step is not None and t.open_step.classification == "paused"
    assert t.open_step.due_at is None and t.responsible is None


def test_open_step_is_held_by_the_next_unit(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 9), 2, DESK), rec(at(3, 9), 4, JUSTICE)]
    t = run(cal, records, at(4, 11))
    step = t.open_step
    assert step is not None and step.unit == LEADER and step.name == "Phê duyệt"
    # Tue 09:00 + 8 h → Wed 09:00; as of Wed 11:00 that is 2 h over.
    assert local(step.due_at) == at(4, 9) and step.classification == "overdue"
    assert step.overrun_working_hours == Decimal(2) and step.working_hours_left == Decimal(-2)
    assert t.responsible is None  # the dossier itself (due Fri 08:00) is not late yet


def test_open_step_due_soon_and_working_time_left(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 9), 2, DESK), rec(at(3, 9), 4, JUSTICE)]
    step = run(cal, records, at(3, 15)).open_step
    # Due Wed 09:00; from Tue 15:00: 2.5 + 1.5 = 4 h left ≤ 8: due soon.
    assert step is not None and step.classification == "due_soon"
    assert step.working_hours_left == Decimal(4)


def test_overdue_open_step_is_responsible_for_an_overdue_dossier(
    cal: CivilServiceCalendar,
) -> None:
    records = [rec(at(2, 9), 2, DESK)]
    t = run(cal, records, at(9, 9))  # dossier due Fri 08:00: overdue on Monday 09:00
    # Justice from Mon 2 09:00 + 16 h → Wed 09:00; to Mon 9 09:00: Wed 6.5 + Thu 8 + Fri 8 +
    # Mon 1.5 = 24 h over.
    assert t.open_step is not None and t.open_step.overrun_working_hours == Decimal(24)
    assert t.responsible_agency == JUSTICE


def test_inter_agency_step_counts_for_the_other_agency(cal: CivilServiceCalendar) -> None:
    process = (*PROCESS[:2], ProcessStep("Xác định nghĩa vụ thuế", ("Đội Thuế",), Decimal(8),
                                         agency=TAX), *PROCESS[2:])
    records = [
        rec(at(2, 9), 2, DESK),
        rec(at(3, 9), 4, JUSTICE),  # due Wed 09:00: 1 day early
        rec(at(6, 9), 4, "Đội Thuế"),  # Tue 09:00 + 8 → Wed 09:00; Fri 09:00: 16 h over
        rec(at(6, 10), 9, LEADER),
    ]
    t = run(cal, records, at(9, 8), process=process)
    tax = t.steps[2]
    assert tax.agency == TAX and tax.inter_agency and tax.overrun_working_hours == Decimal(16)
    assert t.responsible is not None and t.responsible_agency == TAX
    # The apology names the agency at fault and the one-stop agency that forwards it.
    assert t.responsible.named == (TAX, HOME)
    assert not t.steps[1].inter_agency and t.steps[1].agency == HOME


def test_a_unit_that_is_another_agency_counts_for_it(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 9), 2, DESK), rec(at(6, 9), 4, TAX), rec(at(6, 10), 9, DESK)]
    t = run(cal, records, at(9, 8), others={TAX: "Thuế cơ sở 5"})
    assert t.steps[1].agency == "Thuế cơ sở 5" and t.steps[1].inter_agency


def test_slack_with_no_overrun_is_unattributed(cal: CivilServiceCalendar) -> None:
    # Generous allotments (each 40 h): every step keeps its due, the dossier is still late.
    generous = tuple(ProcessStep(s.name, s.units, Decimal(40)) for s in PROCESS)
    t = run(cal, LATE_JUSTICE, at(9, 8), process=generous)
    assert all(s.overrun_working_hours == 0 for s in t.steps)
    assert t.responsible is not None and t.responsible_agency == "unattributed"
    assert t.responsible.reason == "no_step_overran" and t.responsible.named == (HOME,)


def test_missing_allotments_are_unattributed_with_that_reason(
    cal: CivilServiceCalendar,
) -> None:
    t = run(cal, LATE_JUSTICE, at(9, 8), process=())
    assert all(s.classification == "no_due" for s in t.steps)
    assert t.responsible is not None and t.responsible.reason == "missing_allotments"


def test_ties_go_to_the_earliest_step(cal: CivilServiceCalendar) -> None:
    records = [
        rec(at(2, 9), 2, DESK, due=at(2, 8)),  # 1 h over (08:00 → 09:00)
        rec(at(2, 11), 4, JUSTICE, due=at(2, 10)),  # 1 h over as well
        rec(at(9, 9), 9, LEADER, due=at(9, 9)),
    ]
    t = run(cal, records, at(9, 10))
    assert [s.overrun_working_hours for s in t.steps] == [Decimal(1), Decimal(1), Decimal(0)]
    assert t.responsible_agency == DESK and t.responsible is not None
    assert t.responsible.step_position == 0


def test_empty_unit_is_the_dossiers_agency(cal: CivilServiceCalendar) -> None:
    t = run(cal, [rec(at(2, 9), 2, "")], at(2, 10))
    assert t.steps[0].unit == HOME and t.steps[0].agency == HOME


def test_no_responsible_agency_while_not_late(cal: CivilServiceCalendar) -> None:
    records = [rec(at(2, 9), 2, DESK), rec(at(3, 10), 9, JUSTICE)]
    assert run(cal, records, at(3, 11)).responsible is None


@pytest.mark.parametrize("open_only", [True, False])
def test_open_only_gives_the_same_open_step(cal: CivilServiceCalendar, open_only: bool) -> None:
    records = [rec(at(2, 9), 2, DESK), rec(at(3, 9), 4, JUSTICE)]
    events = [ClockEvent(r.at, r.status) for r in records if r.status]
    result = evaluate(at(2, 8), RULE, events, cal, DEFAULT_OFFICE_HOURS, as_of=at(4, 11))
    clock = working_clock(cal, DEFAULT_OFFICE_HOURS)
    inputs = StepInputs(PROCESS, HOME, {})
    full = step_timeline(records, result, clock, inputs).open_step
    fast = step_timeline(records, result, clock, inputs, open_only=open_only).open_step
    assert full is not None and fast is not None
    seen = ("position", "unit", "agency", "due_at", "classification", "working_hours_left")
    assert [getattr(fast, k) for k in seen] == [getattr(full, k) for k in seen]
    assert fast.working_hours == (0 if open_only else full.working_hours)


def test_explain_lists_each_steps_arithmetic(cal: CivilServiceCalendar) -> None:
    from app.deadlines.step_explain import timeline_lines

    text = "\n".join(timeline_lines(run(cal, LATE_JUSTICE, at(9, 8))))
    assert "Bước 2 «Thẩm định»: Phòng Tư pháp" in text
    assert "hạn = bắt đầu + 16 giờ làm việc = 09:00" in text
    assert "→ quá hạn, vượt 9 giờ làm việc" in text
    assert "Trách nhiệm chậm muộn: Phòng Tư pháp (bước 2, vượt 9 giờ)" in text
