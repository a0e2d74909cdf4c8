"""The scan's open steps of dossiers with no progress record and no pause, many at a time.

Most open dossiers a scan meets have had no step reported yet: their open step is the process's
first, from the clock start (DEADLINES.md §8). That is `step_timeline([], result, clock,
inputs, open_only=True).open_step` for each; here the due and the working time left of all the
dossiers on one working clock are two array searches (`app.deadlines.index`) instead of two
scalar ones a dossier, and the span is built by the same `open_span`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from app.deadlines.clock import WorkingClock
from app.deadlines.index import US_PER_HOUR, from_us, to_us
from app.deadlines.result import DeadlineResult
from app.deadlines.step_types import StepSpan
from app.deadlines.steps import StepInputs, allotment, open_span


def without_records(result: DeadlineResult) -> bool:
    """Whether `open_steps_from_start` may stand in for the step engine on a dossier with no
    progress record: open, not excluded, never paused, its clock started."""
    return (result.finished_at is None and result.classification != "excluded"
            and not result.pauses and not result.paused and result.clock_started_at is not None)


def open_steps_from_start(
    items: Sequence[tuple[DeadlineResult, WorkingClock, StepInputs]],
) -> list[StepSpan]:
    """The open step of each (result, clock, inputs) of a dossier with no progress record for
    which `without_records(result)` holds."""
    spans: list[StepSpan | None] = [None] * len(items)
    by_clock: dict[int, tuple[WorkingClock, list[int]]] = {}
    us_of: dict[Decimal, int] = {}  # a process's few allotments, converted once
    starts, amounts, measured = [0] * len(items), [0] * len(items), [0] * len(items)
    for i, (result, clock, inputs) in enumerate(items):
        if not without_records(result):
            raise ValueError("a dossier paused, closed or without a clock start")
        steps = inputs.matcher.steps
        step = steps[0] if steps else None
        allotted = allotment(step, inputs.online)
        start = result.clock_started_at
        assert start is not None  # without_records
        if allotted is None:
            spans[i] = open_span(0, start, "clock_start", step, None, inputs, result, left_us=0)
            continue
        if allotted not in us_of:
            us_of[allotted] = int(allotted * US_PER_HOUR)
        starts[i], amounts[i] = to_us(start), us_of[allotted]
        measured[i] = max(to_us(result.as_of), starts[i])  # never paused: the open step's now
        by_clock.setdefault(id(clock), (clock, []))[1].append(i)
    for clock, indexes in by_clock.values():
        start_us = np.array([starts[i] for i in indexes], dtype=np.int64)
        due_us = clock.advance_many(start_us, np.array([amounts[i] for i in indexes],
                                                       dtype=np.int64))
        left_us = clock.working_between_many(
            np.array([measured[i] for i in indexes], dtype=np.int64), due_us)
        for i, due, left in zip(indexes, due_us.tolist(), left_us.tolist(), strict=True):
            result, _, inputs = items[i]
            steps = inputs.matcher.steps
            assert result.clock_started_at is not None
            spans[i] = open_span(0, result.clock_started_at, "clock_start", steps[0],
                                 from_us(due), inputs, result, left_us=left)
    done = [span for span in spans if span is not None]
    assert len(done) == len(items)  # every item is answered, in order
    return done
