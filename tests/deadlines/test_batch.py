"""`evaluate_many` (arrays for the common case, the scalar engine for the rest) equals calling
`evaluate` dossier by dossier, field for field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
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
from app.deadlines.batch import Subject, due_and_left_many, evaluate_many
from app.deadlines.calendar import CalendarOverride, CivilServiceCalendar
from tests.deadlines.conftest import SHARED_CALENDAR

SPLIT = OfficeHoursSchedule([
    (date(2020, 1, 1), OfficeHours(((time(7, 0), time(11, 0)), (time(13, 30), time(17, 30))))),
    (date(2025, 10, 15), OfficeHours(((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))))),
])
ONE_SESSION = OfficeHoursSchedule.constant(OfficeHours(((time(8, 0), time(16, 0)),)))
AS_OF = datetime(2026, 3, 10, 9, 15, tzinfo=LOCAL_TZ)

instants = st.datetimes(
    min_value=datetime(2024, 12, 20), max_value=datetime(2026, 4, 30, 23, 59)
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=LOCAL_TZ))
units = st.sampled_from(["working_days", "working_hours", "calendar_days", "same_day"])
cutoffs = st.one_of(st.none(), st.sampled_from([time(11, 0), time(15, 0), time(16, 30)]))


@st.composite
def rules(draw: st.DrawFn) -> ProcedureRule | None:
    unit = draw(units)
    if draw(st.integers(0, 9)) == 0:
        return None  # not in the catalogue: the portal's appointment is the due
    value = {"working_days": draw(st.sampled_from(["0.5", "1", "3", "15", "60"])),
             "working_hours": draw(st.sampled_from(["1", "4", "8", "20"])),
             "calendar_days": draw(st.sampled_from(["1", "5", "30"])),
             "same_day": "0"}[unit]
    return ProcedureRule(
        processing_time=ProcessingTime(Decimal(value), unit),  # type: ignore[arg-type]
        cutoff=draw(cutoffs), restart_on_supplement=draw(st.booleans()),
    )


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    received = draw(instants)
    steps = draw(st.lists(
        st.tuples(st.integers(0, 60 * 24 * 40), st.sampled_from([2, 4, 5, 6, 9, 10, 3])),
        max_size=draw(st.sampled_from([0, 2, 5])),
    ))
    events = [ClockEvent(received + timedelta(minutes=m), status) for m, status in steps]
    rule = draw(rules())
    portal = draw(st.one_of(st.none(), instants))
    if rule is None and portal is None:
        portal = received + timedelta(days=7)
    finished = draw(st.one_of(st.none(), st.just(received + timedelta(days=draw(
        st.integers(0, 40)), hours=draw(st.integers(0, 23))))))
    return Subject(
        received_at=received, rule=rule, events=events,
        hours=draw(st.sampled_from([DEFAULT_SCHEDULE, SPLIT, ONE_SESSION])),
        portal_due_at=portal, status=draw(st.one_of(st.none(), st.sampled_from([2, 4, 7, 9]))),
        finished_at=finished, returned_at=None,
    )


def one_by_one(items: list[Subject], calendar: CivilServiceCalendar) -> list[object]:
    return [
        evaluate(s.received_at, s.rule, s.events, calendar, s.hours, as_of=AS_OF,
                 portal_due_at=s.portal_due_at, status=s.status, finished_at=s.finished_at,
                 returned_at=s.returned_at)
        for s in items
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(subjects(), min_size=1, max_size=40))
def test_the_batch_equals_the_scalar_engine(items: list[Subject]) -> None:
    assert evaluate_many(items, SHARED_CALENDAR, as_of=AS_OF) == one_by_one(items, SHARED_CALENDAR)


@settings(max_examples=60, deadline=None)
@given(st.lists(subjects(), min_size=1, max_size=40))
def test_the_due_and_the_time_left_alone_equal_the_batch_results(items: list[Subject]) -> None:
    results = evaluate_many(items, SHARED_CALENDAR, as_of=AS_OF)
    assert due_and_left_many(items, SHARED_CALENDAR, as_of=AS_OF) == [
        (r.due_at, r.working_hours_left) for r in results]


def test_a_calendar_with_announced_swaps_gives_the_same_dues() -> None:
    calendar = CivilServiceCalendar([
        CalendarOverride(date(2025, 9, 6), "working_day", "Làm bù", "QĐ"),
        CalendarOverride(date(2025, 9, 8), "day_off", "Nghỉ hoán đổi", "QĐ"),
    ])
    rule = ProcedureRule(ProcessingTime(Decimal(3), "working_days"), cutoff=time(15, 0))
    items = [
        Subject(datetime(2025, 9, 5, h, 10, tzinfo=LOCAL_TZ), rule, [], DEFAULT_SCHEDULE)
        for h in range(6, 20)
    ]
    batch = evaluate_many(items, calendar, as_of=AS_OF)
    assert batch == one_by_one(items, calendar)
    reasons = {r.clock_start_reason for r in batch}
    assert {"before_opening", "in_session", "between_sessions", "after_cutoff"} <= reasons


def test_a_due_beyond_the_built_years_grows_the_index() -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(400), "working_days"))
    items = [Subject(datetime(2026, 12, 30, 9, tzinfo=LOCAL_TZ), rule, [], ONE_SESSION)]
    (result,) = evaluate_many(items, SHARED_CALENDAR, as_of=AS_OF)
    assert result.due_at is not None and result.due_at.year == 2028
    assert [result] == one_by_one(items, SHARED_CALENDAR)


def test_instants_outside_the_supported_years_fail_as_the_scalar_engine_fails() -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(3), "working_days"))
    items = [Subject(datetime(1985, 1, 2, 9, tzinfo=UTC), rule, [], DEFAULT_SCHEDULE)]
    with pytest.raises(ValueError, match="1990"):
        evaluate_many(items, SHARED_CALENDAR, as_of=AS_OF)
    naive = [Subject(datetime(2025, 1, 2, 9), rule, [], DEFAULT_SCHEDULE)]
    with pytest.raises(ValueError, match="naive"):
        evaluate_many(naive, SHARED_CALENDAR, as_of=AS_OF)
