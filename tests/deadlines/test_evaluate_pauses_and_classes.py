"""DEADLINES.md §4–§6 through evaluate(): pauses, finish, classification, mismatch."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    ClockEvent,
    DeadlineResult,
    ProcedureRule,
    ProcessingTime,
    appointment_difference_hours,
    appointment_mismatch,
    evaluate,
)
from app.deadlines.calendar import CivilServiceCalendar

H = DEFAULT_OFFICE_HOURS
TWO_DAYS = ProcedureRule(ProcessingTime(Decimal(2), "working_days"))
RECEIVED = datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL_TZ)  # Monday; due Wed 5/3 10:00


def L(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def run(
    cal: CivilServiceCalendar,
    events: list[tuple[datetime, int]] = (),  # type: ignore[assignment]
    rule: ProcedureRule | None = TWO_DAYS,
    **kwargs: object,
) -> DeadlineResult:
    kwargs.setdefault("as_of", L(2025, 3, 3, 12, 0))
    return evaluate(
        RECEIVED,
        rule,
        [ClockEvent(at, status) for at, status in events],
        cal,
        H,
        **kwargs,  # type: ignore[arg-type]
    )


def test_plain_open_dossier(cal: CivilServiceCalendar) -> None:
    r = run(cal, [(RECEIVED, 2)])
    assert r.due_at == L(2025, 3, 5, 10, 0) and r.due_at.tzinfo == UTC
    assert r.clock_started_at == RECEIVED and r.clock_start_reason == "in_session"
    assert r.due_basis == "legal" and r.base_due_at == r.due_at
    assert r.classification == "in_time"
    assert r.working_hours_left == Decimal("14.5")  # 4 (Mon pm) + 8 (Tue) + 2.5 (Wed)
    assert not r.paused and r.paused_working_hours == 0


def test_due_soon_and_overdue(cal: CivilServiceCalendar) -> None:
    assert run(cal, as_of=L(2025, 3, 4, 10, 0)).classification == "due_soon"  # 8 h left
    assert run(cal, as_of=L(2025, 3, 4, 9, 59)).classification == "in_time"
    r = run(cal, as_of=L(2025, 3, 4, 9, 59), due_soon_hours=Decimal(12))
    assert r.classification == "due_soon"
    at_due = run(cal, as_of=L(2025, 3, 5, 10, 0))
    assert at_due.classification == "due_soon" and at_due.working_hours_left == 0
    over = run(cal, as_of=L(2025, 3, 5, 14, 0))
    assert over.classification == "overdue"
    assert over.working_hours_left == Decimal("-2") and over.working_hours_over == Decimal(2)


def test_pause_shifts_the_due_by_its_working_hours(cal: CivilServiceCalendar) -> None:
    # Supplement requested Mon 15:00, received back Tue 9:00: 2.5 + 1.5 = 4 working hours.
    events = [(RECEIVED, 2), (L(2025, 3, 3, 15, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    r = run(cal, events, as_of=L(2025, 3, 5, 12, 0))
    assert r.due_at == L(2025, 3, 5, 16, 0)  # Wed 10:00 + 4 h over the lunch break
    assert r.paused_working_hours == Decimal(4)
    assert [p.shifted_due for p in r.pauses] == [True]
    assert r.classification == "in_time" or r.classification == "due_soon"


def test_several_pauses_add_up_in_any_order_with_duplicates(cal: CivilServiceCalendar) -> None:
    events = [
        (L(2025, 3, 4, 9, 0), 2),
        (RECEIVED, 2),
        (L(2025, 3, 3, 15, 0), 5),
        (L(2025, 3, 4, 13, 30), 6),
        (L(2025, 3, 3, 15, 0), 5),  # duplicate
        (L(2025, 3, 4, 15, 30), 4),
    ]
    r = run(cal, events, as_of=L(2025, 3, 5, 8, 0))
    assert r.paused_working_hours == Decimal(6)  # 4 h + 2 h
    assert r.due_at == L(2025, 3, 6, 8, 0)  # Wed 10:00 + 6 h = Wed 5.5 h + Thu 0.5 h
    assert [p.statuses for p in r.pauses] == [(5,), (6,)]


def test_open_pause_is_paused_never_overdue(cal: CivilServiceCalendar) -> None:
    events = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 5)]
    r = run(cal, events, as_of=L(2025, 3, 20, 9, 0))
    assert r.classification == "paused" and r.paused
    assert r.paused_since == L(2025, 3, 4, 9, 0)
    assert r.due_at is None  # moves on resumption
    assert r.working_hours_left == Decimal(9)  # frozen at the pause start
    # A pause that began after the due keeps the due; the dossier is still reported paused.
    late_pause = run(cal, [(RECEIVED, 2), (L(2025, 3, 6, 9, 0), 6)], as_of=L(2025, 3, 7, 9, 0))
    assert late_pause.due_at == L(2025, 3, 5, 10, 0)
    assert late_pause.classification == "paused"
    assert late_pause.working_hours_left == Decimal("-7")


def test_pause_after_the_due_does_not_move_it(cal: CivilServiceCalendar) -> None:
    events = [(RECEIVED, 2), (L(2025, 3, 6, 9, 0), 5), (L(2025, 3, 7, 9, 0), 4)]
    r = run(cal, events, as_of=L(2025, 3, 10, 9, 0), finished_at=L(2025, 3, 10, 8, 0))
    assert r.due_at == L(2025, 3, 5, 10, 0)
    assert r.pauses[0].shifted_due is False and r.classification == "late"


@pytest.mark.parametrize("order", [(4, 5), (5, 4)])
def test_same_instant_steps_apply_in_progression_order(
    cal: CivilServiceCalendar, order: tuple[int, int]
) -> None:
    """A 4 and a 5 of one instant: processing, then paused, whatever order they came in. The
    clock stops at 09:00 (2 of the 16 working hours used), the due waits for the resumption."""
    tie = [(RECEIVED, 2), *((L(2025, 3, 4, 9, 0), status) for status in order)]
    r = run(cal, tie, as_of=L(2025, 3, 4, 10, 0))
    assert r.paused and r.paused_since == L(2025, 3, 4, 9, 0)
    assert r.due_at is None and r.classification == "paused"


def test_zero_length_pause(cal: CivilServiceCalendar) -> None:
    """A 5 and the 4 that ends it at the same instant cannot both apply (progression puts the
    pause last); a resumption a second later gives a pause of no working time."""
    events = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 4, 9, 0, 1), 4)]
    r = run(cal, events, as_of=L(2025, 3, 4, 10, 0))
    assert not r.paused and r.due_at == L(2025, 3, 5, 10, 0, 1)


def test_restart_on_supplement(cal: CivilServiceCalendar) -> None:
    rule = ProcedureRule(TWO_DAYS.processing_time, restart_on_supplement=True)
    events = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 6, 14, 0), 2)]
    r = run(cal, events, rule, as_of=L(2025, 3, 7, 9, 0))
    assert r.restarted_at == L(2025, 3, 6, 14, 0)
    assert r.clock_started_at == L(2025, 3, 6, 14, 0)
    assert r.due_at == L(2025, 3, 10, 14, 0)  # full 2 working days again
    assert r.pauses[0].shifted_due is False
    # A financial-obligation pause does not restart; it only pauses.
    money = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 6), (L(2025, 3, 4, 10, 0), 4)]
    assert run(cal, money, rule, as_of=L(2025, 3, 4, 11, 0)).due_at == L(2025, 3, 5, 11, 0)
    # A restart after the cut-off hour starts the next working day.
    cut = ProcedureRule(TWO_DAYS.processing_time, cutoff=time(15), restart_on_supplement=True)
    late = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 6, 16, 0), 4)]
    restarted = run(cal, late, cut, as_of=L(2025, 3, 7, 9, 0))
    assert restarted.clock_started_at == L(2025, 3, 7, 7, 30)
    assert restarted.due_at == L(2025, 3, 10, 17, 30)


def test_finished_classification(cal: CivilServiceCalendar) -> None:
    as_of = L(2025, 3, 20, 9, 0)
    assert run(cal, as_of=as_of, finished_at=L(2025, 3, 4, 16, 0)).classification == "early"
    assert run(cal, as_of=as_of, finished_at=L(2025, 3, 5, 9, 0)).classification == "on_time"
    assert run(cal, as_of=as_of, finished_at=L(2025, 3, 5, 10, 0)).classification == "on_time"
    late = run(cal, as_of=as_of, finished_at=L(2025, 3, 5, 10, 1))
    assert late.classification == "late" and late.finish_status == 9
    # Status 10 finishes when no 9 came before; an earlier 9 wins.
    returned = run(cal, [(L(2025, 3, 5, 11, 0), 10)], as_of=as_of)
    assert returned.finished_at == L(2025, 3, 5, 11, 0) and returned.classification == "late"
    both = run(cal, as_of=as_of, finished_at=L(2025, 3, 5, 9, 0), returned_at=L(2025, 3, 6, 9, 0))
    assert both.finish_status == 9 and both.classification == "on_time"
    # A finish after as_of is not known yet.
    future = run(cal, as_of=L(2025, 3, 4, 9, 0), finished_at=L(2025, 3, 6, 9, 0))
    assert future.finished_at is None and future.classification == "in_time"


def test_finish_while_paused_ends_the_pause(cal: CivilServiceCalendar) -> None:
    events = [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 10, 9, 0), 9)]
    r = run(cal, events, as_of=L(2025, 3, 12, 9, 0))
    assert not r.paused and r.pauses[0].end == L(2025, 3, 10, 9, 0)
    # 9 h were left when the pause began, so the due is Tue 11/3 10:00: finished early.
    assert r.due_at == L(2025, 3, 11, 10, 0)
    assert r.classification == "early"


@pytest.mark.parametrize("status", [1, 3, 7, 8])
def test_excluded_statuses(cal: CivilServiceCalendar, status: int) -> None:
    r = run(cal, [(RECEIVED, 2), (L(2025, 3, 4, 9, 0), status)], as_of=L(2025, 3, 20, 9, 0))
    assert r.classification == "excluded" and r.status == status
    assert run(cal, status=status, as_of=L(2025, 3, 20)).classification == "excluded"


def test_unknown_procedure_uses_the_portal_appointment(cal: CivilServiceCalendar) -> None:
    portal = L(2025, 3, 7, 17, 0)
    r = run(cal, rule=None, portal_due_at=portal, as_of=L(2025, 3, 10, 9, 0))
    assert r.due_basis == "portal" and r.due_at == portal and r.base_due_at is None
    assert r.classification == "overdue" and not r.appointment_mismatch
    no_time = run(cal, rule=ProcedureRule(None), portal_due_at=portal)
    assert no_time.due_basis == "portal"


@pytest.mark.parametrize("finished", [False, True])
def test_no_processing_time_and_no_appointment_is_no_due(
    cal: CivilServiceCalendar, finished: bool
) -> None:
    """A procedure missing from the catalogue and a sender without NgayHenTra: the due is
    unknown, never guessed, open or finished alike; an excluded status stays excluded."""
    r = run(cal, rule=None, as_of=L(2025, 3, 10, 9, 0),
            finished_at=L(2025, 3, 6, 9, 0) if finished else None)
    assert r.due_at is None and r.classification == "no_due" and not r.appointment_mismatch
    assert run(cal, rule=None, status=3).classification == "excluded"


def test_reappointment_never_turns_late_into_on_time(cal: CivilServiceCalendar) -> None:
    # The portal moved its appointment after an apology; the legal due still decides.
    r = run(
        cal,
        portal_due_at=L(2025, 3, 12, 17, 0),
        finished_at=L(2025, 3, 11, 9, 0),
        as_of=L(2025, 3, 20, 9, 0),
    )
    assert r.classification == "late" and r.appointment_mismatch
    assert r.appointment_difference_hours is not None and r.appointment_difference_hours > 0


def test_appointment_mismatch(cal: CivilServiceCalendar) -> None:
    legal = L(2025, 3, 5, 10, 0)
    assert not appointment_mismatch(legal, L(2025, 3, 5, 11, 0), cal, H)  # exactly 1 h
    assert appointment_mismatch(legal, L(2025, 3, 5, 11, 1), cal, H)
    assert appointment_mismatch(legal, L(2025, 3, 5, 8, 59), cal, H)  # earlier counts too
    assert appointment_difference_hours(legal, L(2025, 3, 4, 10, 0), cal, H) == Decimal(-8)
    # Friday 17:30 vs Saturday noon: no working time between, no mismatch.
    assert not appointment_mismatch(L(2025, 3, 7, 17, 30), L(2025, 3, 8, 12, 0), cal, H)
    r = run(cal, portal_due_at=L(2025, 3, 5, 17, 30), as_of=L(2025, 3, 4, 9, 0))
    assert r.appointment_mismatch and r.appointment_difference_hours == Decimal("5.5")
    tolerant = run(
        cal, portal_due_at=L(2025, 3, 5, 17, 30), as_of=L(2025, 3, 4, 9, 0), mismatch_hours=6
    )
    assert not tolerant.appointment_mismatch


def test_naive_datetimes_are_refused(cal: CivilServiceCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        evaluate(datetime(2025, 3, 3, 10), TWO_DAYS, [], cal, H, as_of=L(2025, 3, 4))
    with pytest.raises(ValueError, match="naive"):
        run(cal, as_of=datetime(2025, 3, 4))
    with pytest.raises(ValueError, match="naive"):
        ClockEvent(datetime(2025, 3, 4), 2)
    with pytest.raises(ValueError, match="unknown status"):
        ClockEvent(L(2025, 3, 4), 11)


def test_result_to_dict_is_json_ready(cal: CivilServiceCalendar) -> None:
    import json

    events = [(RECEIVED, 2), (L(2025, 3, 3, 15, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    result = run(cal, events, portal_due_at=L(2025, 3, 5, 17, 0), as_of=L(2025, 3, 4, 10, 0))
    data = result.to_dict()
    assert json.loads(json.dumps(data))["due_at"] == "2025-03-05T09:00:00+00:00"
    assert data["pauses"][0]["working_hours"] == 4.0
    assert data["processing_time"]["label"] == "2 ngày làm việc"
