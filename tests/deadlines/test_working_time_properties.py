"""Properties of the working clock, and the numpy batch path against the scalar path."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    ClockEvent,
    ProcedureRule,
    ProcessingTime,
    WorkingTimeIndex,
    compute_due,
    evaluate,
    working_clock,
)
from app.deadlines.calendar import CivilServiceCalendar
from app.deadlines.index import OutOfIndexRange

H = DEFAULT_OFFICE_HOURS
CAL = CivilServiceCalendar()
CLOCK = working_clock(CAL, H)
INDEX = WorkingTimeIndex(CAL, H, 2024, 2027)
US = 1_000_000

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=LOCAL_TZ))
minutes = st.integers(min_value=1, max_value=8 * 60 * 40)
SETTINGS = settings(max_examples=150, deadline=None)


def _in_session_or_at_its_end(cal: CivilServiceCalendar, due: datetime) -> bool:
    local = due.astimezone(LOCAL_TZ)
    if not cal.is_working_day(local.date()):
        return False
    return any(o < local <= c for o, c in H.local_sessions(local.date()))


@SETTINGS
@given(instants, minutes)
def test_due_is_inside_a_session_or_exactly_at_its_end(received: datetime, n: int) -> None:
    due = CLOCK.advance(CLOCK.clock_start(received), n * 60 * US)
    assert _in_session_or_at_its_end(CAL, due)


@SETTINGS
@given(instants)
def test_clock_start_is_in_a_session(received: datetime) -> None:
    start = CLOCK.clock_start(received).astimezone(LOCAL_TZ)
    assert start >= received
    assert CAL.is_working_day(start.date())
    assert any(o <= start < c for o, c in H.local_sessions(start.date()))


@SETTINGS
@given(instants, minutes, minutes)
def test_more_time_never_gives_an_earlier_due(received: datetime, a: int, b: int) -> None:
    start = CLOCK.clock_start(received)
    low, high = sorted((a, b))
    assert CLOCK.advance(start, low * 60 * US) <= CLOCK.advance(start, high * 60 * US)


@SETTINGS
@given(instants, instants, minutes)
def test_later_receipt_never_gives_an_earlier_due(r1: datetime, r2: datetime, n: int) -> None:
    first, second = sorted((r1, r2))
    pt = ProcessingTime(Decimal(n), "working_hours")
    assert compute_due(first, pt, CAL, H) <= compute_due(second, pt, CAL, H)


@SETTINGS
@given(instants, minutes, minutes)
def test_splitting_a_duration_in_two_steps(received: datetime, a: int, b: int) -> None:
    start = CLOCK.clock_start(received)
    two_steps = CLOCK.advance(CLOCK.advance(start, a * 60 * US), b * 60 * US)
    assert two_steps == CLOCK.advance(start, (a + b) * 60 * US)
    assert CLOCK.working_between(start, two_steps) == (a + b) * 60 * US


@SETTINGS
@given(instants, st.integers(min_value=1, max_value=20), st.integers(0, 20 * 24 * 60))
def test_same_instant_pause_and_resumption_end_paused_in_any_order(
    received: datetime, days: int, offset: int
) -> None:
    """Steps of one instant apply in progression order (processing, then paused): a 5 and a 4
    stamped alike leave the dossier paused, as the 5 alone would, in whichever order."""
    rule = ProcedureRule(ProcessingTime(Decimal(days), "working_days"))
    at = received + timedelta(minutes=offset)
    as_of = received + timedelta(days=60)

    def state(*steps: ClockEvent) -> tuple[object, ...]:
        r = evaluate(received, rule, [ClockEvent(received, 2), *steps], CAL, H, as_of=as_of)
        return r.due_at, r.classification, r.paused, r.paused_since

    alone = state(ClockEvent(at, 5))
    assert state(ClockEvent(at, 5), ClockEvent(at, 4)) == alone
    assert state(ClockEvent(at, 4), ClockEvent(at, 5)) == alone


@SETTINGS
@given(instants, st.integers(1, 10), st.integers(0, 30 * 24 * 60), st.integers(1, 10 * 24 * 60))
def test_a_pause_adds_exactly_its_working_time(
    received: datetime, days: int, offset: int, length: int
) -> None:
    rule = ProcedureRule(ProcessingTime(Decimal(days), "working_days"))
    pause_start = received + timedelta(minutes=offset)
    pause_end = pause_start + timedelta(minutes=length)
    events = [ClockEvent(pause_start, 5), ClockEvent(pause_end, 4)]
    r = evaluate(received, rule, events, CAL, H, as_of=pause_end + timedelta(days=90))
    assert r.due_at is not None
    counted = CLOCK.working_between(r.clock_started_at, r.due_at)
    shifted = sum(
        CLOCK.working_between(max(p.start, r.clock_started_at), p.end)
        for p in r.pauses
        if p.shifted_due and p.end is not None
    )
    assert counted == days * 8 * 3600 * US + shifted
    assert _in_session_or_at_its_end(CAL, r.due_at)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(instants, minutes), min_size=1, max_size=40),
    st.sampled_from([None, time(15, 0), time(11, 0)]),
)
def test_batch_due_equals_the_scalar_path(
    rows: list[tuple[datetime, int]], cutoff: time | None
) -> None:
    received = np.array(
        [np.datetime64(r.astimezone(UTC).replace(tzinfo=None), "us") for r, _ in rows]
    )
    amounts = np.array([n for _, n in rows], dtype=np.float64)
    batch = INDEX.batch_due(received, amounts, cutoff=cutoff)
    for (r, n), got in zip(rows, batch, strict=True):
        pt = ProcessingTime(Decimal(n) / 60, "working_hours")
        expected = compute_due(r, pt, CAL, H, cutoff=cutoff)
        assert got == np.datetime64(expected.replace(tzinfo=None), "us")


def test_batch_on_a_large_array_matches_spot_checks() -> None:
    rng = np.random.default_rng(7)
    lo = np.datetime64("2024-01-01T00:00", "us").astype(np.int64)
    hi = np.datetime64("2026-12-31T00:00", "us").astype(np.int64)
    received = rng.integers(lo, hi, size=200_000).astype("datetime64[us]")
    amounts = rng.integers(1, 8 * 60 * 30, size=received.size) * 1.0
    due = INDEX.batch_due(received, amounts)
    assert (due > received).all()
    back = INDEX.batch_working_minutes_between(INDEX.batch_clock_start(received), due)
    assert np.array_equal(back, amounts)
    for i in (0, 1234, 99_999, 199_999):
        r = received[i].astype(datetime).replace(tzinfo=UTC)
        pt = ProcessingTime(Decimal(int(amounts[i])) / 60, "working_hours")
        assert due[i] == np.datetime64(compute_due(r, pt, CAL, H).replace(tzinfo=None), "us")


def test_fractional_minutes_and_out_of_range() -> None:
    received = np.array(["2025-03-03T03:00:00"], dtype="datetime64[us]")  # 10:00 local
    due = INDEX.batch_due(received, np.array([0.5]))
    assert due[0] == np.datetime64("2025-03-03T03:00:30", "us")
    import pytest

    from app.deadlines import OutOfIndexRange

    with pytest.raises(OutOfIndexRange):
        INDEX.batch_due(np.array(["2030-01-02T03:00"], dtype="datetime64[us]"), np.array([1.0]))
    with pytest.raises(OutOfIndexRange):
        INDEX.batch_due(received, np.array([8 * 60 * 2000.0]))
    with pytest.raises(ValueError, match="negative"):
        INDEX.batch_due(received, np.array([-1.0]))


def _us(value: datetime) -> int:
    return int((value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))


cutoffs = st.one_of(st.none(), st.sampled_from([time(11, 0), time(15, 30), time(16, 59, 59)]))


@SETTINGS
@given(instants, minutes, cutoffs)
def test_one_instant_operations_equal_the_array_operations(
    received: datetime, n: int, cutoff: time | None
) -> None:
    """The scalar clock runs on `*_one` (bisect on lists); the batch path on numpy arrays."""
    t = _us(received)
    one = np.array([t], dtype=np.int64)
    amount = n * 60 * US
    assert INDEX.elapsed_one(t) == int(INDEX.elapsed(one)[0])
    assert INDEX.next_working_instant_one(t) == int(INDEX.next_working_instant(one)[0])
    assert INDEX.clock_start_one(t, cutoff) == int(INDEX.clock_start(one, cutoff)[0])
    assert INDEX.advance_one(t, amount) == int(
        INDEX.advance(one, np.array([amount], dtype=np.int64))[0]
    )
    assert INDEX.advance_one(t, 0) == t


def test_one_instant_operations_refuse_what_the_array_operations_refuse() -> None:
    outside = _us(datetime(2030, 1, 1, tzinfo=UTC))
    for call in (
        lambda: INDEX.elapsed_one(outside),
        lambda: INDEX.next_working_instant_one(outside),
        lambda: INDEX.clock_start_one(outside, time(15, 0)),
        lambda: INDEX.advance_one(_us(datetime(2027, 12, 20, tzinfo=UTC)), 400 * 8 * 3600 * US),
    ):
        with pytest.raises(OutOfIndexRange):
            call()
    with pytest.raises(ValueError, match="negative"):
        INDEX.advance_one(_us(datetime(2025, 3, 3, tzinfo=UTC)), -1)
