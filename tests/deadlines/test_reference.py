"""The scalar engine and the batch path against `tests/deadlines/reference.py`, a minute-by-minute
model written from DEADLINES.md: paused, restarted and portal-only dossiers included (the
batch-equals-scalar test cannot judge those, the batch hands them to the scalar engine). Also
checks which path the batch took, so a fast path that quietly falls back is noticed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_SCHEDULE,
    ClockEvent,
    OfficeHours,
    OfficeHoursSchedule,
    ProcedureRule,
    ProcessingTime,
    evaluate,
)
from app.deadlines.batch import BatchPath, Subject, evaluate_many_traced
from tests.deadlines.conftest import SHARED_CALENDAR
from tests.deadlines.reference import expected, from_minute, observed, reference_for, to_minute

SPLIT = OfficeHoursSchedule([
    (date(2020, 1, 1), OfficeHours(((time(7, 0), time(11, 0)), (time(13, 30), time(17, 30))))),
    (date(2025, 10, 15), OfficeHours(((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))))),
])
ONE_SESSION = OfficeHoursSchedule.constant(OfficeHours(((time(8, 0), time(16, 0)),)))
# Sessions that touch midnight, so a day's edges are session edges.
EDGES = OfficeHoursSchedule.constant(OfficeHours(((time(0, 0), time(6, 0)),
                                                  (time(18, 0), time(23, 59)))))
# One across the 15/10/2025 change of SPLIT's hours, one just after Tết 2026.
AS_OFS = [datetime(2025, 10, 20, 10, 15, tzinfo=LOCAL_TZ),
          datetime(2026, 3, 2, 14, 40, tzinfo=LOCAL_TZ)]
VALUES = {"working_days": ["0.5", "1", "3", "10"], "working_hours": ["1", "4", "8", "20"],
          "calendar_days": ["0", "1", "5", "20"], "same_day": ["0"]}


@st.composite
def rules(draw: st.DrawFn) -> ProcedureRule:
    if draw(st.integers(0, 7)) == 0:
        return ProcedureRule(None, cutoff=draw(st.sampled_from([None, time(15, 0)])))
    unit = draw(st.sampled_from(sorted(VALUES)))
    return ProcedureRule(
        ProcessingTime(Decimal(draw(st.sampled_from(VALUES[unit]))), unit),  # type: ignore[arg-type]
        cutoff=draw(st.sampled_from([None, time(11, 0), time(15, 0), time(16, 30)])),
        restart_on_supplement=draw(st.booleans()),
    )


def _base_due(received: datetime, rule: ProcedureRule, hours: OfficeHoursSchedule) -> datetime:
    """Where the reference puts the due before pauses: events are drawn around it."""
    result = expected(Subject(received, rule, [], hours), SHARED_CALENDAR,
                      received + timedelta(days=400))
    due = result["due_at"]
    assert isinstance(due, datetime)
    return due


@st.composite
def subjects(draw: st.DrawFn, as_of: datetime) -> Subject:
    local = as_of.replace(tzinfo=None)
    received = draw(st.datetimes(local - timedelta(days=75), local + timedelta(days=2)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=LOCAL_TZ)))
    rule = draw(rules())
    hours = draw(st.sampled_from([DEFAULT_SCHEDULE, SPLIT, ONE_SESSION, EDGES]))
    anchors = [received]
    if rule.processing_time is not None and draw(st.booleans()):
        anchors.append(_base_due(received, rule, hours))  # pauses at and around the due
    near = st.integers(-3 * 60, 20 * 24 * 60) | st.integers(-2, 2)  # minutes from an anchor
    rounds = draw(st.lists(st.tuples(
        st.sampled_from(anchors), near, st.sampled_from([5, 5, 6]),
        st.none() | st.integers(0, 6 * 24 * 60), st.sampled_from([2, 4, 4, 9, 10]),
    ), max_size=3))
    events = []
    for anchor, offset, pausing, length, ending in rounds:  # a pause, and what ended it
        events.append(ClockEvent(anchor + timedelta(minutes=offset), pausing))
        if length is not None:
            events.append(ClockEvent(anchor + timedelta(minutes=offset + length), ending))
    events += [ClockEvent(received + timedelta(minutes=m), status) for m, status in draw(
        st.lists(st.tuples(near, st.sampled_from([2, 4, 5, 6, 9, 10, 3])), max_size=3))]
    portal = draw(st.none() | st.integers(-2 * 24 * 60, 40 * 24 * 60).map(
        lambda m: received + timedelta(minutes=m)))
    if rule.processing_time is None and portal is None:
        portal = received + timedelta(days=7)
    later = st.integers(0, 30 * 24 * 60).map(lambda m: received + timedelta(minutes=m))
    finished = draw(st.sampled_from([False, False, True]).flatmap(
        lambda known: later if known else st.none()))
    returned = draw(st.sampled_from([False, False, False, True]).flatmap(
        lambda known: later if known else st.none()))
    return Subject(received, rule, events, hours, portal_due_at=portal,
                   status=draw(st.sampled_from([None, None, 2, 4, 7, 9])),
                   finished_at=finished, returned_at=returned)


def expected_path(subject: Subject, rules_say: dict[str, object]) -> BatchPath:
    if subject.rule is None or subject.rule.processing_time is None:
        return "portal_due"
    return "pauses" if rules_say["pauses"] else "array"


cases = st.sampled_from(AS_OFS).flatmap(
    lambda as_of: st.tuples(st.just(as_of), st.lists(subjects(as_of), min_size=1, max_size=6)))


@settings(max_examples=120, deadline=None)
@given(cases)
def test_the_scalar_engine_and_the_batch_follow_the_rules(
    case: tuple[datetime, list[Subject]],
) -> None:
    as_of, items = case
    traced = evaluate_many_traced(items, SHARED_CALENDAR, as_of=as_of)
    for s, batch, path in zip(items, traced.results, traced.paths, strict=True):
        rules_say = expected(s, SHARED_CALENDAR, as_of)
        scalar = evaluate(s.received_at, s.rule, s.events, SHARED_CALENDAR, s.hours, as_of=as_of,
                          portal_due_at=s.portal_due_at, status=s.status,
                          finished_at=s.finished_at, returned_at=s.returned_at)
        assert observed(scalar) == rules_say
        assert observed(batch) == rules_say
        assert path == expected_path(s, rules_say)  # the fast path never quietly falls back


def test_the_reference_walks_minutes_as_the_worked_examples_say() -> None:
    # The model itself, on DEADLINES.md §4's example: Mon 10:00 + 1 working day = Tue 10:00,
    # and 4 working hours from Fri 16:00 = Mon 10:00 (1.5 h Friday, 2.5 h Monday).
    ref = reference_for(SHARED_CALENDAR, DEFAULT_SCHEDULE)
    monday = to_minute(datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL_TZ))
    assert from_minute(ref.advance(monday, 8 * 60)) == datetime(2025, 3, 4, 10, 0, tzinfo=LOCAL_TZ)
    friday = to_minute(datetime(2025, 3, 7, 16, 0, tzinfo=LOCAL_TZ))
    assert from_minute(ref.advance(friday, 4 * 60)) == datetime(2025, 3, 10, 10, 0,
                                                                tzinfo=LOCAL_TZ)
    assert ref.count(friday, ref.advance(friday, 4 * 60)) == 240
    assert ref.count(ref.advance(friday, 4 * 60), friday) == -240
    assert ref.start_reason(to_minute(datetime(2025, 3, 3, 11, 30, tzinfo=LOCAL_TZ)), None) == (
        "between_sessions")
