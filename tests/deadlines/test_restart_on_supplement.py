"""DEADLINES.md §5, `restart_on_supplement`: several supplement rounds, pauses after a restart,
restarts across the cut-off, and a supplement asked after the due (which restarts nothing).
Running example: received Mon 3/3/2025 10:00, two working days, due Wed 5/3 10:00.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from tests.deadlines.cases import L, rule, run

RESTART = rule(restart=True)
ROUND_1 = [(L(2025, 3, 3, 10, 0), 2), (L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 5, 14, 0), 4)]
ROUND_2 = [(L(2025, 3, 6, 10, 0), 5), (L(2025, 3, 10, 9, 0), 4)]


def test_one_round_restarts_from_its_resumption() -> None:
    r = run(ROUND_1, RESTART, as_of=L(2025, 3, 6, 9, 0))
    # Back Wed 14:00: two full working days again -> Fri 7/3 14:00.
    assert r.restarted_at == L(2025, 3, 5, 14, 0) and r.clock_started_at == r.restarted_at
    assert r.due_at == L(2025, 3, 7, 14, 0) and r.base_due_at == r.due_at
    (span,) = r.pauses
    assert (span.start, span.end) == (L(2025, 3, 4, 9, 0), L(2025, 3, 5, 14, 0))
    # Tue 09:00–11:30 2.5 h + 13:30–17:30 4 h, Wed 07:30–11:30 4 h + 13:30–14:00 0.5 h = 11 h.
    assert span.working_hours == Decimal(11) and span.shifted_due is False


def test_several_rounds_restart_from_the_last_resumption() -> None:
    # Round 2 asked Thu 6/3 10:00 (before Fri 14:00), back Mon 10/3 9:00 -> due Wed 12/3 9:00.
    r = run(ROUND_1 + ROUND_2, RESTART, as_of=L(2025, 3, 10, 10, 0))
    assert r.restarted_at == L(2025, 3, 10, 9, 0)
    assert r.clock_started_at == L(2025, 3, 10, 9, 0) and r.clock_start_reason == "in_session"
    assert r.due_at == L(2025, 3, 12, 9, 0) and r.base_due_at == r.due_at
    # Round 2 held Thu 10:00–11:30 1.5 h + 4 h, Fri 8 h, Mon 07:30–09:00 1.5 h = 15 h.
    assert [p.working_hours for p in r.pauses] == [Decimal(11), Decimal(15)]
    assert [p.shifted_due for p in r.pauses] == [False, False]
    assert r.paused_working_hours == Decimal(26)
    # Mon 10:00 -> Wed 9:00: Mon 1.5 + 4, Tue 8, Wed 1.5 = 15 h left.
    assert r.working_hours_left == Decimal(15) and r.classification == "in_time"


def test_a_pause_after_the_last_restart_is_counted() -> None:
    # A financial obligation (status 6, no restart) Tue 11/3 13:30–15:30: 2 h on the new clock.
    fee = [(L(2025, 3, 11, 13, 30), 6), (L(2025, 3, 11, 15, 30), 4)]
    r = run(ROUND_1 + ROUND_2 + fee, RESTART, as_of=L(2025, 3, 11, 16, 0))
    assert r.restarted_at == L(2025, 3, 10, 9, 0)
    assert r.due_at == L(2025, 3, 12, 11, 0)  # Wed 9:00 + 2 h
    assert r.base_due_at == L(2025, 3, 12, 9, 0)
    assert [p.shifted_due for p in r.pauses] == [False, False, True]
    assert r.pauses[2].working_hours == Decimal(2)
    # Still open at as_of, it leaves the due unknown (the restart is kept).
    open_fee = run(ROUND_1 + ROUND_2 + fee[:1], RESTART, as_of=L(2025, 3, 11, 16, 0))
    assert open_fee.due_at is None and open_fee.paused and open_fee.restarted_at is not None
    assert open_fee.pauses[2].working_hours == Decimal("2.5")  # Tue 13:30–16:00 so far
    # Left when it began, Tue 13:30 -> Wed 9:00: 4 h + 1.5 h.
    assert open_fee.working_hours_left == Decimal("5.5")


def test_pauses_before_a_restart_stop_counting() -> None:
    # A fee pause before any restart shifted the due; the later restart makes it irrelevant.
    fee_first = [(L(2025, 3, 3, 14, 0), 6), (L(2025, 3, 3, 15, 0), 4)]  # 1 h, due -> Wed 11:00
    r = run(fee_first + ROUND_1[1:], RESTART, as_of=L(2025, 3, 6, 9, 0))
    assert r.restarted_at == L(2025, 3, 5, 14, 0) and r.due_at == L(2025, 3, 7, 14, 0)
    assert [p.shifted_due for p in r.pauses] == [False, False]
    assert [p.working_hours for p in r.pauses] == [Decimal(1), Decimal(11)]
    without_restart = run(fee_first, rule(), as_of=L(2025, 3, 4, 9, 0))
    assert without_restart.due_at == L(2025, 3, 5, 11, 0)
    assert without_restart.pauses[0].shifted_due is True


def test_a_supplement_asked_at_or_after_the_due_restarts_nothing() -> None:
    # §5: a pause from the due on does not move it, restart or not: the dossier was already late.
    for asked in (L(2025, 3, 5, 10, 0), L(2025, 3, 6, 9, 0)):
        events = [(L(2025, 3, 3, 10, 0), 2), (asked, 5), (L(2025, 3, 7, 9, 0), 4)]
        r = run(events, RESTART, as_of=L(2025, 3, 7, 12, 0), finished_at=L(2025, 3, 7, 10, 0))
        assert r.restarted_at is None and r.clock_started_at == L(2025, 3, 3, 10, 0)
        assert r.due_at == L(2025, 3, 5, 10, 0) and r.pauses[0].shifted_due is False
        assert r.classification == "late"
    # One minute before the due it restarts: back Fri 9:00 -> due Tue 11/3 9:00, finished early.
    events = [(L(2025, 3, 5, 9, 59), 5), (L(2025, 3, 7, 9, 0), 4)]
    r = run(events, RESTART, as_of=L(2025, 3, 7, 12, 0), finished_at=L(2025, 3, 7, 10, 0))
    assert r.restarted_at == L(2025, 3, 7, 9, 0) and r.due_at == L(2025, 3, 11, 9, 0)
    assert r.classification == "early"


def test_a_restart_after_the_cutoff_reports_why_the_clock_starts_the_next_day() -> None:
    cut = rule(cutoff=time(15, 0), restart=True)
    events = [(L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 6, 16, 0), 4)]  # back Thu 16:00
    r = run(events, cut, as_of=L(2025, 3, 7, 9, 0))
    assert r.restarted_at == L(2025, 3, 6, 16, 0)
    assert r.clock_started_at == L(2025, 3, 7, 7, 30)  # Fri opening
    assert r.clock_start_reason == "after_cutoff" and r.cutoff_applies
    assert r.due_at == L(2025, 3, 10, 17, 30)  # Fri + Mon


def test_a_restart_before_the_cutoff_clears_the_receipts_cutoff() -> None:
    # Received Mon 15:30 (after the cut-off: starts Tue 07:30), back Thu 14:00, before 15:00.
    cut = rule(cutoff=time(15, 0), restart=True)
    events = [(L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 6, 14, 0), 4)]
    first = run([], cut, received=L(2025, 3, 3, 15, 30), as_of=L(2025, 3, 4, 8, 0))
    assert first.clock_start_reason == "after_cutoff" and first.cutoff_applies
    r = run(events, cut, received=L(2025, 3, 3, 15, 30), as_of=L(2025, 3, 7, 9, 0))
    assert r.clock_started_at == L(2025, 3, 6, 14, 0)
    assert r.clock_start_reason == "in_session" and not r.cutoff_applies
    assert r.due_at == L(2025, 3, 10, 14, 0)


def test_a_restart_over_lunch_or_on_a_weekend_says_so() -> None:
    lunch = run([(L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 6, 12, 0), 4)], RESTART,
                as_of=L(2025, 3, 7, 9, 0))
    assert lunch.clock_started_at == L(2025, 3, 6, 13, 30)
    assert lunch.clock_start_reason == "between_sessions"
    saturday = run([(L(2025, 3, 4, 9, 0), 5), (L(2025, 3, 8, 9, 0), 4)], RESTART,
                   as_of=L(2025, 3, 10, 9, 0))
    assert saturday.clock_started_at == L(2025, 3, 10, 7, 30)
    assert saturday.clock_start_reason == "non_working_day"
    assert saturday.due_at == L(2025, 3, 11, 17, 30)


def test_a_round_begun_before_the_clock_start_counts_only_clock_hours() -> None:
    # Received Mon 15:20 after the 15:00 cut-off (clock from Tue 07:30); supplement asked Mon
    # 16:00, back Tue 9:00: only Tue 07:30–09:00 = 1.5 h was on the clock, as without restart.
    cut = rule(cutoff=time(15, 0), restart=True)
    events = [(L(2025, 3, 3, 16, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    r = run(events, cut, received=L(2025, 3, 3, 15, 20), as_of=L(2025, 3, 4, 10, 0))
    assert r.restarted_at == L(2025, 3, 4, 9, 0) and r.clock_started_at == r.restarted_at
    assert r.pauses[0].working_hours == Decimal("1.5")
    assert r.due_at == L(2025, 3, 6, 9, 0)
