"""What the engine returns: one dossier's deadline state, JSON-ready."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from app.deadlines.clock import StartReason
from app.deadlines.rules import ProcessingTime

Classification = Literal[
    "early", "on_time", "late", "in_time", "due_soon", "overdue", "paused", "excluded", "no_due"
]
FINISHED_CLASSES: frozenset[Classification] = frozenset({"early", "on_time", "late"})
OPEN_CLASSES: frozenset[Classification] = frozenset({"in_time", "due_soon", "overdue", "paused"})
DueBasis = Literal["legal", "portal"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class PauseSpan:
    """One pause as the engine counted it (instants UTC)."""

    start: datetime
    end: datetime | None  # None: still paused as of the evaluation
    statuses: tuple[int, ...]
    working_hours: Decimal  # inside the clock; for an open pause, so far
    shifted_due: bool  # False when it began at or after the due, before a restart, or is open

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "statuses": list(self.statuses),
            "working_hours": _num(self.working_hours),
            "shifted_due": self.shifted_due,
        }


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    """A dossier's deadline as of `as_of`. Every instant is UTC-aware.

    `due_at` is the legal due when the processing time is known, else the portal appointment;
    it is None while the clock is paused before the due (the due moves on resumption), and
    when neither is known (classification "no_due").
    `working_hours_left` is signed: > 0 left before the due, < 0 past it; counted at `as_of`,
    at the finish for a finished dossier, at the pause start while paused.
    """

    as_of: datetime
    received_at: datetime
    clock_started_at: datetime
    clock_start_reason: StartReason
    restarted_at: datetime | None  # resumption that restarted the clock (restart_on_supplement)
    processing_time: ProcessingTime | None
    cutoff_applies: bool
    base_due_at: datetime | None  # legal due before pauses
    due_at: datetime | None
    due_basis: DueBasis
    portal_due_at: datetime | None
    pauses: tuple[PauseSpan, ...]
    paused: bool
    paused_since: datetime | None
    paused_working_hours: Decimal
    finished_at: datetime | None
    finish_status: int | None
    status: int | None
    working_hours_left: Decimal | None
    classification: Classification
    appointment_mismatch: bool
    appointment_difference_hours: Decimal | None  # portal minus legal, in working hours

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def working_hours_over(self) -> Decimal | None:
        left = self.working_hours_left
        return None if left is None else max(-left, Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        pt = self.processing_time
        return {
            "as_of": _iso(self.as_of),
            "received_at": _iso(self.received_at),
            "clock_started_at": _iso(self.clock_started_at),
            "clock_start_reason": self.clock_start_reason,
            "restarted_at": _iso(self.restarted_at),
            "processing_time": None
            if pt is None
            else {"value": float(pt.value), "unit": pt.unit, "label": pt.label()},
            "cutoff_applies": self.cutoff_applies,
            "base_due_at": _iso(self.base_due_at),
            "due_at": _iso(self.due_at),
            "due_basis": self.due_basis,
            "portal_due_at": _iso(self.portal_due_at),
            "pauses": [p.to_dict() for p in self.pauses],
            "paused": self.paused,
            "paused_since": _iso(self.paused_since),
            "paused_working_hours": _num(self.paused_working_hours),
            "finished_at": _iso(self.finished_at),
            "finish_status": self.finish_status,
            "status": self.status,
            "working_hours_left": _num(self.working_hours_left),
            "classification": self.classification,
            "appointment_mismatch": self.appointment_mismatch,
            "appointment_difference_hours": _num(self.appointment_difference_hours),
        }
