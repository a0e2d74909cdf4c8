"""Shorthands for the hand-worked cases: local instants, processing times, one evaluate() call.

The running example: received Monday 3/3/2025 10:00, two working days, so due Wednesday 5/3
10:00 (Mon 10:00–11:30 1.5 h + 13:30–17:30 4 h, Tue 8 h, Wed 07:30–10:00 2.5 h = 16 h).
Sessions 07:30–11:30 and 13:30–17:30.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from decimal import Decimal

from app.core.clock import LOCAL_TZ
from app.deadlines import (
    DEFAULT_OFFICE_HOURS,
    ClockEvent,
    DeadlineResult,
    ProcedureRule,
    ProcessingTime,
    evaluate,
)
from tests.deadlines.conftest import SHARED_CALENDAR

H = DEFAULT_OFFICE_HOURS
RECEIVED = datetime(2025, 3, 3, 10, 0, tzinfo=LOCAL_TZ)
TWO_DAYS = ProcessingTime(Decimal(2), "working_days")


def L(*args: int) -> datetime:
    """A local (Asia/Ho_Chi_Minh) instant."""
    return datetime(*args, tzinfo=LOCAL_TZ)  # type: ignore[misc]


def rule(
    processing_time: ProcessingTime | None = TWO_DAYS,
    *,
    cutoff: time | None = None,
    restart: bool = False,
) -> ProcedureRule:
    return ProcedureRule(processing_time, cutoff=cutoff, restart_on_supplement=restart)


def run(
    events: Sequence[tuple[datetime, int]] = (),
    procedure: ProcedureRule | None = None,
    *,
    received: datetime = RECEIVED,
    as_of: datetime,
    **kwargs: object,
) -> DeadlineResult:
    """evaluate() on the shared calendar and default office hours; `procedure` None = TWO_DAYS
    (give `rule(None)` for a procedure missing from the catalogue)."""
    return evaluate(
        received,
        rule() if procedure is None else procedure,
        [ClockEvent(at, status) for at, status in events],
        SHARED_CALENDAR,
        H,
        as_of=as_of,
        **kwargs,  # type: ignore[arg-type]
    )
