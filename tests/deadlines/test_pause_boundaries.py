"""DEADLINES.md §5 at its edges: a pause at the due instant, open pauses' hours, pauses on a
dossier whose due comes from the portal. Running example (tests/deadlines/cases.py): received
Mon 3/3/2025 10:00, two working days, due Wed 5/3 10:00.

Decided here (§5 says "a pause that starts after the due instant does not move the due"): a pause
that starts EXACTLY at the due instant does not move it either. [clock start, due) is the time
the law allows; at the due instant all of it has elapsed, so there is nothing left to hold, and an
open pause from that instant leaves the due known (the dossier shows as paused, 0 h left).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from tests.deadlines.cases import L, rule, run

DUE = L(2025, 3, 5, 10, 0)


def test_a_closed_pause_starting_exactly_at_the_due_does_not_move_it() -> None:
    # Supplement asked Wed 10:00 (the due), given back Thu 9:00.
    events = [(L(2025, 3, 3, 10, 0), 2), (DUE, 5), (L(2025, 3, 6, 9, 0), 4)]
    r = run(events, as_of=L(2025, 3, 6, 12, 0))
    assert r.due_at == DUE and r.base_due_at == DUE
    (span,) = r.pauses
    assert span.shifted_due is False
    # Wed 10:00–11:30 1.5 h + 13:30–17:30 4 h, Thu 07:30–09:00 1.5 h = 7 h.
    assert span.working_hours == Decimal(7)
    # Back in processing and past the due: Wed 5.5 h + Thu 07:30–11:30 4 h = 9.5 h over.
    assert r.classification == "overdue" and r.working_hours_left == Decimal("-9.5")


def test_a_closed_pause_one_minute_before_the_due_moves_it() -> None:
    # Asked Wed 9:59: 1 min + 7 h = 7 h 01 min held. Wed 10:00 + 5.5 h ends the day, the other
    # 1 h 31 min run from Thu 07:30: due Thu 9:01.
    events = [(L(2025, 3, 5, 9, 59), 5), (L(2025, 3, 6, 9, 0), 4)]
    r = run(events, as_of=L(2025, 3, 6, 12, 0))
    assert r.due_at == L(2025, 3, 6, 9, 1)
    assert r.pauses[0].shifted_due is True
    assert r.pauses[0].working_hours == Decimal("7.0167")  # to the 0.0001 h
    assert r.paused_working_hours == Decimal("7.0167")


def test_an_open_pause_starting_exactly_at_the_due_keeps_the_due() -> None:
    r = run([(DUE, 6)], as_of=L(2025, 3, 6, 9, 0))
    assert r.due_at == DUE  # known: the whole processing time had run
    assert r.paused and r.paused_since == DUE and r.classification == "paused"
    assert r.working_hours_left == 0  # measured at the pause start, which is the due
    # Held so far: Wed 10:00–17:30 5.5 h + Thu 07:30–09:00 1.5 h = 7 h, moving nothing.
    assert r.pauses[0].working_hours == Decimal(7) and r.pauses[0].shifted_due is False
    assert r.pauses[0].end is None


def test_an_open_pause_one_minute_before_the_due_leaves_the_due_unknown() -> None:
    r = run([(L(2025, 3, 5, 9, 59), 6)], as_of=L(2025, 3, 6, 9, 0))
    assert r.due_at is None and r.classification == "paused"
    assert r.working_hours_left == Decimal("0.0167")  # the 1 minute left when it began
    assert r.base_due_at == DUE


def test_an_open_pause_counts_its_hours_so_far() -> None:
    # Asked Tue 4/3 9:00, still waiting Thu 6/3 9:00: Tue 09:00–11:30 2.5 h + 13:30–17:30 4 h,
    # Wed 8 h, Thu 07:30–09:00 1.5 h = 16 h (not 0).
    r = run([(L(2025, 3, 3, 10, 0), 2), (L(2025, 3, 4, 9, 0), 5)], as_of=L(2025, 3, 6, 9, 0))
    assert r.pauses[0].working_hours == Decimal(16)
    assert r.paused_working_hours == Decimal(16)
    assert r.pauses[0].shifted_due is False and r.pauses[0].start == L(2025, 3, 4, 9, 0)
    # 9 h were left when it began (Tue 9:00 -> Wed 10:00: 2.5 + 4 + 2.5).
    assert r.working_hours_left == Decimal(9) and r.due_at is None


def test_a_pause_before_the_clock_starts_counts_from_the_clock_start() -> None:
    # Received Mon 15:20 after a 15:00 cut-off: the clock starts Tue 07:30, two days later is
    # Wed 17:30. Supplement asked Mon 16:00, given back Tue 9:00: only Tue 07:30–09:00
    # (1.5 h) was on the clock; Mon 16:00–17:30 was not.
    cut = rule(cutoff=time(15, 0))
    events = [(L(2025, 3, 3, 16, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    r = run(events, cut, received=L(2025, 3, 3, 15, 20), as_of=L(2025, 3, 4, 10, 0))
    assert r.clock_started_at == L(2025, 3, 4, 7, 30) and r.cutoff_applies
    assert r.pauses[0].working_hours == Decimal("1.5")
    assert r.base_due_at == L(2025, 3, 5, 17, 30)
    assert r.due_at == L(2025, 3, 6, 9, 0)  # Wed 17:30 + 1.5 h = Thu 09:00


PORTAL = L(2025, 3, 7, 17, 0)  # the portal's appointment, Fri 7/3 17:00


def test_pauses_without_a_catalogue_rule_are_listed_but_never_move_the_portal_due() -> None:
    # Procedure missing from the catalogue: the portal's appointment is the due (§4).
    # Asked Mon 15:00, back Tue 9:00: Mon 2.5 h + Tue 1.5 h = 4 h, shown, not added.
    events = [(L(2025, 3, 3, 10, 0), 2), (L(2025, 3, 3, 15, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    r = run(events, rule(None), portal_due_at=PORTAL, as_of=L(2025, 3, 6, 9, 0))
    assert r.due_basis == "portal" and r.due_at == PORTAL and r.base_due_at is None
    (span,) = r.pauses
    assert (span.start, span.end) == (L(2025, 3, 3, 15, 0), L(2025, 3, 4, 9, 0))
    assert span.statuses == (5,)
    assert span.working_hours == Decimal(4) and span.shifted_due is False
    assert r.paused_working_hours == Decimal(4) and not r.paused
    # Thu 09:00 -> Fri 17:00: Thu 2.5 + 4, Fri 4 + 3.5 = 14 h left.
    assert r.working_hours_left == Decimal(14) and r.classification == "in_time"


def test_an_open_pause_without_a_catalogue_rule_is_paused_with_the_portal_due_kept() -> None:
    events = [(L(2025, 3, 3, 10, 0), 2), (L(2025, 3, 4, 9, 0), 5)]
    r = run(events, rule(None), portal_due_at=PORTAL, as_of=L(2025, 3, 6, 9, 0))
    assert r.due_at == PORTAL and r.paused and r.classification == "paused"
    assert r.paused_since == L(2025, 3, 4, 9, 0)
    assert r.pauses[0].end is None and r.pauses[0].working_hours == Decimal(16)  # as above
    # Left when it began, Tue 09:00 -> Fri 17:00: 6.5 + 8 + 8 + 7.5 = 30 h.
    assert r.working_hours_left == Decimal(30)
    # After the appointment, still never reported overdue while paused.
    later = run(events, rule(None), portal_due_at=PORTAL, as_of=L(2025, 3, 12, 9, 0))
    assert later.classification == "paused" and later.working_hours_left == Decimal(30)


def test_a_portal_due_dossier_counts_pauses_from_its_clock_start() -> None:
    # No processing time, but a 15:00 cut-off: received Mon 15:20, the clock starts Tue 07:30
    # (after_cutoff). A pause Mon 16:00 -> Tue 9:00 held only Tue 07:30–09:00 = 1.5 h.
    cut = rule(None, cutoff=time(15, 0))
    events = [(L(2025, 3, 3, 16, 0), 5), (L(2025, 3, 4, 9, 0), 4)]
    r = run(events, cut, received=L(2025, 3, 3, 15, 20), portal_due_at=PORTAL,
            as_of=L(2025, 3, 4, 10, 0))
    assert r.clock_started_at == L(2025, 3, 4, 7, 30)
    assert r.clock_start_reason == "after_cutoff" and r.cutoff_applies
    assert r.pauses[0].working_hours == Decimal("1.5")
    before = run([], cut, received=L(2025, 3, 3, 14, 59), portal_due_at=PORTAL,
                 as_of=L(2025, 3, 4, 10, 0))
    assert before.clock_started_at == L(2025, 3, 3, 14, 59)
    assert before.clock_start_reason == "in_session" and not before.cutoff_applies
