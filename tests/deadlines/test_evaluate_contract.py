"""What evaluate() promises around the rules: UTC out whatever the host's timezone, local dates
for "early", errors that name the bad argument, status 10 finishing, the 1-hour tolerance of an
appointment mismatch at its edge. Running example: received Mon 3/3/2025 10:00, two working
days, due Wed 5/3 10:00.
"""

from __future__ import annotations

import time as host_time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.deadlines import appointment_difference_hours, appointment_mismatch, compute_due
from tests.deadlines.cases import TWO_DAYS, H, L, rule, run
from tests.deadlines.conftest import SHARED_CALENDAR

DUE = L(2025, 3, 5, 10, 0)


@pytest.fixture
def host_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own timezone must never leak into a result (it is UTC in production only
    by convention)."""
    monkeypatch.setenv("TZ", "America/New_York")
    host_time.tzset()
    yield
    monkeypatch.undo()
    host_time.tzset()


def test_instants_out_are_utc_whatever_the_host_timezone(host_in_new_york: None) -> None:
    tokyo = timezone(timedelta(hours=9))
    events = [(L(2025, 3, 3, 15, 0), 5), (L(2025, 3, 4, 9, 0), 4), (L(2025, 3, 4, 14, 0), 6)]
    r = run(events, rule(restart=True), as_of=datetime(2025, 3, 4, 17, 0, tzinfo=tokyo),
            portal_due_at=datetime(2025, 3, 6, 3, 0, tzinfo=UTC))
    instants = [r.as_of, r.received_at, r.clock_started_at, r.restarted_at, r.base_due_at,
                r.portal_due_at, r.paused_since, *(p.start for p in r.pauses), r.pauses[0].end]
    assert all(i is not None and i.utcoffset() == timedelta(0) for i in instants), instants
    assert r.as_of == datetime(2025, 3, 4, 8, 0, tzinfo=UTC)  # Tokyo 17:00
    assert r.received_at == datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    assert r.portal_due_at == L(2025, 3, 6, 10, 0)
    finished = run([], as_of=L(2025, 3, 20, 9, 0), finished_at=L(2025, 3, 5, 9, 0),
                   returned_at=L(2025, 3, 6, 9, 0))
    assert finished.finished_at is not None and finished.finished_at.utcoffset() == timedelta(0)
    due = compute_due(L(2025, 3, 3, 10, 0), TWO_DAYS, SHARED_CALENDAR, H)
    assert due.utcoffset() == timedelta(0) and due == DUE


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        # Wed 5/3 06:00 local is Tue 4/3 in New York and in UTC: still the due's local date.
        (L(2025, 3, 5, 6, 0), "on_time"),
        # Tue 4/3 16:00 local, the day before the due (Tue 22:00 in New York: the due's date).
        (L(2025, 3, 4, 16, 0), "early"),
        (L(2025, 3, 4, 23, 59), "early"),
        (L(2025, 3, 5, 0, 0), "on_time"),
        (L(2025, 3, 5, 10, 1), "late"),
    ],
)
def test_early_compares_local_dates_whatever_the_host_timezone(
    host_in_new_york: None, finished: datetime, expected: str
) -> None:
    r = run([], as_of=L(2025, 3, 20, 9, 0), finished_at=finished)
    assert r.classification == expected


NAIVE = datetime(2025, 3, 3, 10, 0)


@pytest.mark.parametrize("argument", ["as_of", "portal_due_at", "finished_at", "returned_at"])
def test_a_naive_instant_is_refused_by_name(argument: str) -> None:
    kwargs: dict[str, object] = {"as_of": L(2025, 3, 4, 9, 0), argument: NAIVE}
    with pytest.raises(ValueError, match=rf"^{argument} 2025-03-03T10:00:00 is naive; give a "):
        run([], **kwargs)  # type: ignore[arg-type]


def test_naive_receipt_start_and_appointments_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^received_at 2025-03-03T10:00:00 is naive"):
        run([], received=NAIVE, as_of=L(2025, 3, 4, 9, 0))
    with pytest.raises(ValueError, match=r"^start 2025-03-03T10:00:00 is naive"):
        compute_due(NAIVE, TWO_DAYS, SHARED_CALENDAR, H)
    with pytest.raises(ValueError, match=r"^legal_due 2025-03-03T10:00:00 is naive"):
        appointment_difference_hours(NAIVE, DUE, SHARED_CALENDAR, H)
    with pytest.raises(ValueError, match=r"^portal_due 2025-03-03T10:00:00 is naive"):
        appointment_mismatch(DUE, NAIVE, SHARED_CALENDAR, H)


def test_no_processing_time_and_no_appointment_says_the_due_is_unknown() -> None:
    """Real senders leave NgayHenTra empty (issue 12): the due is unknown, never guessed."""
    unknown = run([], rule(None), as_of=L(2025, 3, 4, 9, 0))
    assert unknown.due_at is None and unknown.classification == "no_due"
    assert unknown.working_hours_left is None and not unknown.appointment_mismatch


def test_result_returned_finishes_the_dossier_when_no_status_9_came() -> None:
    as_of = L(2025, 3, 20, 9, 0)
    late = run([], as_of=as_of, returned_at=L(2025, 3, 5, 11, 0))
    assert late.finished_at == L(2025, 3, 5, 11, 0) and late.finish_status == 10
    assert late.classification == "late" and late.working_hours_left == -1  # 10:00 -> 11:00
    assert run([], as_of=as_of, returned_at=DUE).classification == "on_time"
    # Returned while waiting for a supplement: the pause ends there.
    waiting = run([(L(2025, 3, 4, 9, 0), 5)], as_of=as_of, returned_at=L(2025, 3, 6, 9, 0))
    assert not waiting.paused and waiting.pauses[0].end == L(2025, 3, 6, 9, 0)
    # Held Tue 9:00 -> Thu 9:00 = 16 h: Wed 10:00 + 5.5 h, Thu 8 h, Fri 07:30 + 2.5 h.
    assert waiting.due_at == L(2025, 3, 7, 10, 0) and waiting.classification == "early"
    # Not known yet at as_of.
    future = run([], as_of=L(2025, 3, 4, 9, 0), returned_at=L(2025, 3, 5, 9, 0))
    assert future.finished_at is None and future.classification == "in_time"


@pytest.mark.parametrize(
    ("portal", "difference", "mismatch"),
    [
        (L(2025, 3, 5, 11, 0), Decimal(1), False),  # exactly the 1 h tolerance
        (L(2025, 3, 5, 11, 1), Decimal("1.0167"), True),
        (L(2025, 3, 5, 10, 59), Decimal("0.9833"), False),
        (L(2025, 3, 5, 9, 0), Decimal(-1), False),  # earlier than the law: the same tolerance
        (L(2025, 3, 5, 8, 59), Decimal("-1.0167"), True),
        (L(2025, 3, 5, 10, 0), Decimal(0), False),
    ],
)
def test_appointment_mismatch_tolerates_exactly_one_working_hour(
    portal: datetime, difference: Decimal, mismatch: bool
) -> None:
    r = run([], portal_due_at=portal, as_of=L(2025, 3, 4, 9, 0))
    assert r.appointment_difference_hours == difference
    assert r.appointment_mismatch is mismatch
    assert appointment_mismatch(DUE, portal, SHARED_CALENDAR, H) is mismatch
    stricter = run([], portal_due_at=portal, as_of=L(2025, 3, 4, 9, 0), mismatch_hours=0)
    assert stricter.appointment_mismatch is (difference != 0)


def test_no_mismatch_is_reported_without_an_appointment_or_while_the_due_is_unknown() -> None:
    plain = run([], as_of=L(2025, 3, 4, 9, 0))
    assert plain.appointment_difference_hours is None and plain.appointment_mismatch is False
    waiting = run([(L(2025, 3, 4, 9, 0), 5)], portal_due_at=L(2025, 3, 12, 9, 0),
                  as_of=L(2025, 3, 5, 9, 0))
    assert waiting.due_at is None and waiting.appointment_difference_hours is None
    assert waiting.appointment_mismatch is False


def test_hours_are_exact_decimals_even_without_pauses() -> None:
    r = run([], as_of=L(2025, 3, 4, 9, 0))
    assert type(r.paused_working_hours) is Decimal and r.paused_working_hours == 0
    assert type(r.working_hours_left) is Decimal and r.working_hours_left == Decimal(9)
