"""The batch path on its own terms: clock-start reasons at the cut-off computed on arrays, and
which dossiers it hands to the scalar engine (a fallback is fine only where it is meant)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from app.core.clock import LOCAL_TZ
from app.deadlines import DEFAULT_SCHEDULE, ClockEvent, ProcedureRule, ProcessingTime, evaluate
from app.deadlines.batch import Subject, evaluate_many, evaluate_many_traced
from app.deadlines.index import OutOfIndexRange
from tests.deadlines.cases import L
from tests.deadlines.conftest import SHARED_CALENDAR

AS_OF = L(2025, 3, 12, 9, 0)
TWO_DAYS = ProcessingTime(Decimal(2), "working_days")


def subject(received: datetime, rule: ProcedureRule | None, **kwargs: object) -> Subject:
    return Subject(received, rule, kwargs.pop("events", []), DEFAULT_SCHEDULE,  # type: ignore[arg-type]
                   **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("received", "cutoff", "start", "reason"),
    [
        # A 15:00 cut-off on Monday 3/3/2025: at or after it, Tuesday's opening.
        (L(2025, 3, 3, 14, 59), time(15, 0), L(2025, 3, 3, 14, 59), "in_session"),
        (L(2025, 3, 3, 15, 0), time(15, 0), L(2025, 3, 4, 7, 30), "after_cutoff"),
        (L(2025, 3, 3, 15, 1), time(15, 0), L(2025, 3, 4, 7, 30), "after_cutoff"),
        # The cut-off is checked before the closing time and after the day off (§3's order).
        (L(2025, 3, 3, 17, 45), time(15, 0), L(2025, 3, 4, 7, 30), "after_cutoff"),
        (L(2025, 3, 8, 15, 0), time(15, 0), L(2025, 3, 10, 7, 30), "non_working_day"),
        (L(2025, 3, 3, 6, 0), time(15, 0), L(2025, 3, 3, 7, 30), "before_opening"),
        # A cut-off at the morning session's end: 11:30 is after it, not between sessions.
        (L(2025, 3, 3, 11, 29), time(11, 30), L(2025, 3, 3, 11, 29), "in_session"),
        (L(2025, 3, 3, 11, 30), time(11, 30), L(2025, 3, 4, 7, 30), "after_cutoff"),
        (L(2025, 3, 3, 11, 30), None, L(2025, 3, 3, 13, 30), "between_sessions"),
        (L(2025, 3, 3, 17, 30), None, L(2025, 3, 4, 7, 30), "after_closing"),
        (L(2025, 3, 3, 13, 30), None, L(2025, 3, 3, 13, 30), "in_session"),
    ],
)
def test_the_array_path_says_why_the_clock_starts_where_it_does(
    received: datetime, cutoff: time | None, start: datetime, reason: str
) -> None:
    traced = evaluate_many_traced([subject(received, ProcedureRule(TWO_DAYS, cutoff=cutoff))],
                                  SHARED_CALENDAR, as_of=AS_OF)
    assert traced.paths == ["array"]
    (r,) = traced.results
    assert (r.clock_started_at, r.clock_start_reason) == (start, reason)
    assert r.cutoff_applies is (reason == "after_cutoff")


def test_each_dossier_takes_the_path_meant_for_it() -> None:
    received = L(2025, 3, 3, 10, 0)
    two_days = ProcedureRule(TWO_DAYS)
    items = [
        subject(received, two_days),
        subject(received, ProcedureRule(ProcessingTime(Decimal(5), "calendar_days"))),
        subject(received, ProcedureRule(ProcessingTime.same_day(), cutoff=time(15, 0))),
        subject(received, two_days, events=[ClockEvent(L(2025, 3, 5, 9, 0), 9)]),
        subject(received, two_days, events=[ClockEvent(L(2025, 3, 20, 9, 0), 5)]),  # future
        subject(received, two_days, finished_at=L(2025, 3, 4, 9, 0),
                portal_due_at=L(2025, 3, 6, 17, 0)),
        subject(received, None, portal_due_at=L(2025, 3, 6, 17, 0)),
        subject(received, ProcedureRule(None), portal_due_at=L(2025, 3, 6, 17, 0)),
        subject(received, two_days, events=[ClockEvent(L(2025, 3, 4, 9, 0), 6)]),
        subject(received, two_days, events=[ClockEvent(L(2025, 3, 4, 9, 0), 5),
                                            ClockEvent(L(2025, 3, 4, 10, 0), 4)]),
        subject(datetime(1990, 6, 4, 9, 0, tzinfo=LOCAL_TZ), two_days),
        subject(received, two_days, portal_due_at=datetime(2199, 6, 3, 9, 0, tzinfo=LOCAL_TZ)),
    ]
    traced = evaluate_many_traced(items, SHARED_CALENDAR, as_of=AS_OF)
    assert traced.paths == ["array"] * 6 + ["portal_due"] * 2 + ["pauses"] * 2 + [
        "outside_years"] * 2
    assert traced.results == evaluate_many(items, SHARED_CALENDAR, as_of=AS_OF)
    for s, r in zip(items, traced.results, strict=True):
        assert r == evaluate(s.received_at, s.rule, s.events, SHARED_CALENDAR, s.hours,
                             as_of=AS_OF, portal_due_at=s.portal_due_at, status=s.status,
                             finished_at=s.finished_at, returned_at=s.returned_at)
    # Worked values from the array path, not only "equal to the scalar one":
    plain, days, same = traced.results[:3]
    # Due Wed 5/3 10:00; by Wed 12/3 9:00: 5.5 h + four days of 8 h + 1.5 h = 39 h over.
    assert plain.due_at == L(2025, 3, 5, 10, 0) and plain.working_hours_left == Decimal(-39)
    assert days.due_at == L(2025, 3, 10, 17, 30)  # Sat 8/3 -> Monday's close
    assert same.due_at == L(2025, 3, 3, 17, 30) and same.classification == "overdue"
    finished = traced.results[5]
    assert finished.classification == "early" and finished.working_hours_left == Decimal(9)
    # Wed 10:00 -> Thu 17:00: Wed 1.5 + 4 h, Thu 4 + 3.5 h.
    assert finished.appointment_difference_hours == Decimal(13)
    assert finished.appointment_mismatch is True


def test_a_due_past_2200_fails_on_the_array_path_as_on_the_scalar_one() -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(1000), "working_days"))
    received = datetime(2198, 12, 29, 9, 0, tzinfo=LOCAL_TZ)
    with pytest.raises(OutOfIndexRange, match="due beyond 2200"):
        evaluate_many([subject(received, rule)], SHARED_CALENDAR, as_of=AS_OF)
    with pytest.raises(OutOfIndexRange, match="due beyond 2200"):
        evaluate(received, rule, [], SHARED_CALENDAR, DEFAULT_SCHEDULE, as_of=AS_OF)


def test_the_array_path_covers_1991_to_2198_and_the_scalar_engine_the_edges() -> None:
    # A year's margin inside 1990–2200, as the scalar clock keeps (the index spans ±1 year).
    rule = ProcedureRule(TWO_DAYS)
    first = datetime(1991, 1, 1, 0, 0, tzinfo=LOCAL_TZ)
    last = datetime(2198, 12, 31, 23, 59, 59, 999_999, tzinfo=LOCAL_TZ)
    edges = [first, first - timedelta(microseconds=1), last, last + timedelta(microseconds=1)]
    traced = evaluate_many_traced([subject(r, rule) for r in edges], SHARED_CALENDAR,
                                  as_of=datetime(2100, 1, 5, 9, 0, tzinfo=LOCAL_TZ))
    assert traced.paths == ["array", "outside_years", "array", "outside_years"]
    assert traced.results[0].clock_started_at == datetime(1991, 1, 2, 7, 30, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize("argument", ["portal_due_at", "finished_at", "returned_at"])
def test_a_naive_instant_is_refused_by_name_on_the_array_path(argument: str) -> None:
    naive = datetime(2025, 3, 3, 10, 0)
    bad = subject(L(2025, 3, 3, 10, 0), ProcedureRule(TWO_DAYS), **{argument: naive})
    with pytest.raises(ValueError, match=rf"^{argument} 2025-03-03T10:00:00 is naive"):
        evaluate_many([bad], SHARED_CALENDAR, as_of=AS_OF)
    with pytest.raises(ValueError, match=r"^as_of 2025-03-12T09:00:00 is naive"):
        evaluate_many([], SHARED_CALENDAR, as_of=AS_OF.replace(tzinfo=None))
