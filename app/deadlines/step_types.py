"""The values of the step engine (DEADLINES.md §8): catalogue steps in, step spans out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from app.core.clock import LOCAL_TZ
from app.deadlines.status import progression_rank

UNKNOWN_UNIT = "unknown"
StepClass = Literal["early", "on_time", "late", "in_time", "due_soon", "overdue", "paused",
                    "no_due"]
DueBasis = Literal["sender", "catalogue", "none"]
UNATTRIBUTED = "unattributed"
#: Why a late dossier has no responsible agency.
UNATTRIBUTED_REASONS: dict[str, str] = {
    "no_steps": "no progress records: nobody is on record as holding the dossier",
    "missing_allotments": "no step overran a known due; some steps have no allotment",
    "no_step_overran": "every step kept its due: the process has slack beyond the legal time",
}


@dataclass(frozen=True, slots=True)
class ProcessStep:
    """One step of a procedure's internal process (quy trình nội bộ), as the catalogue lists it.
    `agency` names the agency doing it when that is another agency (inter-agency steps)."""

    name: str
    units: tuple[str, ...]
    working_hours: Decimal | None
    online_working_hours: Decimal | None = None
    agency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "units": list(self.units),
                               "working_hours": _num(self.working_hours)}
        if self.online_working_hours is not None:
            out["online_working_hours"] = _num(self.online_working_hours)
        if self.agency:
            out["agency"] = self.agency
        return out


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A progress record as the step engine reads it (instants aware)."""

    at: datetime  # ThoiDiemXuLy: the step's end
    status: int | None  # TrangThai (None when "")
    unit: str | None  # PhongBanXuLy
    started_at: datetime | None = None  # NgayBatDau
    due_at: datetime | None = None  # NgayKetThucTheoQuyDinh

    @property
    def rank(self) -> int:
        return progression_rank(self.status) if self.status else 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def classify_finished(end: datetime, due: datetime | None) -> StepClass:
    """§6 for a finished step: late past the due; early on an earlier local date."""
    if due is None:
        return "no_due"
    if end > due:
        return "late"
    if end.astimezone(LOCAL_TZ).date() < due.astimezone(LOCAL_TZ).date():
        return "early"
    return "on_time"


@dataclass(frozen=True, slots=True)
class StepSpan:
    """One step of a dossier's timeline; `finished_at` None for the open step."""

    position: int
    name: str | None  # the catalogue step this unit performs
    unit: str
    agency: str
    inter_agency: bool
    started_at: datetime
    start_basis: str
    due_at: datetime | None
    due_basis: DueBasis
    allotted_hours: Decimal | None
    finished_at: datetime | None
    status: int | None
    classification: StepClass
    working_hours: Decimal  # on the step's clock (pauses removed), to its end or to as_of
    paused_hours: Decimal  # working time inside the step the citizen held
    overrun_working_hours: Decimal
    working_hours_left: Decimal | None  # the open step only

    @property
    def open(self) -> bool:
        return self.finished_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "name": self.name,
            "unit": self.unit,
            "agency": self.agency,
            "inter_agency": self.inter_agency,
            "started_at": _iso(self.started_at),
            "start_basis": self.start_basis,
            "due_at": _iso(self.due_at),
            "due_basis": self.due_basis,
            "allotted_hours": _num(self.allotted_hours),
            "finished_at": _iso(self.finished_at),
            "open": self.open,
            "status": self.status,
            "classification": self.classification,
            "working_hours": _num(self.working_hours),
            "paused_hours": _num(self.paused_hours),
            "overrun_working_hours": _num(self.overrun_working_hours),
            "working_hours_left": _num(self.working_hours_left),
        }


@dataclass(frozen=True, slots=True)
class Responsibility:
    """Who made a late dossier late: `agency` is the unit of the worst step, or the other
    agency when that step was done by another agency; UNATTRIBUTED with a reason otherwise."""

    agency: str
    unit: str | None
    step_position: int | None
    overrun_working_hours: Decimal
    reason: str | None
    home_agency: str
    inter_agency: bool

    @classmethod
    def of(cls, step: StepSpan, home_agency: str) -> Responsibility:
        agency = step.agency if step.inter_agency else step.unit
        return cls(agency, step.unit, step.position, step.overrun_working_hours, None,
                   home_agency, step.inter_agency)

    @classmethod
    def unattributed(cls, reason: str, home_agency: str) -> Responsibility:
        return cls(UNATTRIBUTED, None, None, Decimal(0), reason, home_agency, False)

    @property
    def attributed(self) -> bool:
        return self.reason is None

    @property
    def named(self) -> tuple[str, ...]:
        """The agencies an apology names: the one at fault, and for an inter-agency fault also
        the one-stop agency that forwards it."""
        if not self.attributed:
            return (self.home_agency,)
        if self.inter_agency:
            return (self.agency, self.home_agency)
        return (self.agency,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "unit": self.unit,
            "step_position": self.step_position,
            "overrun_working_hours": _num(self.overrun_working_hours),
            "reason": self.reason,
            "reason_text": UNATTRIBUTED_REASONS.get(self.reason or ""),
            "inter_agency": self.inter_agency,
            "named_agencies": list(self.named),
        }


@dataclass(frozen=True, slots=True)
class StepTimeline:
    steps: tuple[StepSpan, ...]  # the finished steps, in order
    open_step: StepSpan | None
    responsible: Responsibility | None  # None while the dossier is not late

    @property
    def all_steps(self) -> tuple[StepSpan, ...]:
        return (*self.steps, self.open_step) if self.open_step else self.steps

    @property
    def responsible_agency(self) -> str | None:
        return self.responsible.agency if self.responsible else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.all_steps],
            "responsible_agency": self.responsible_agency,
            "responsible": self.responsible.to_dict() if self.responsible else None,
        }
