"""What a dossier's stored steps and reported instants mean for the clock, real senders' quirks
included (PORTAL.md "Known quirks", DEADLINES.md §5–§6). The engine then reads clean input.

* A step without status (TrangThai ``""``) changes nothing.
* A step whose text says the supplement was completed ends the pause whatever its TrangThai
  (TD.DichVuCong sends "Hoàn thành bổ sung hồ sơ" with 5).
* TD.DichVuCong's synthetic finishes — "Hồ sơ không có ngày hẹn trả"/9, and "Kết thúc xử lý hồ
  sơ"/9 stamped at NgayTiepNhan — on a dossier whose own status is open are not finishes.
* A finish (a 9 or 10 step, NgayKetThucXuLy, NgayTra) stamped before later processing or pause
  steps is not a finish: the dossier went on.
* A dossier reported finished (9/10) with no finish left takes the status of its last step
  (TD.DichVuCong reports a dossier waiting for a supplement as "9").
* The finish and return instants are the record's (NgayKetThucXuLy, NgayTra) when they stand,
  else those of the first 9 and 10 steps that stand.

Steps of the same instant are read in status-progression order (received, processing, paused,
finished, returned). Every rule that changed something is returned as a flag, for the
data-quality record. Pure: no database, no clock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from app.deadlines import ClockEvent
from app.deadlines.status import ACTIVE, FINISHED, KNOWN, PAUSING, DossierStatus, progression_rank

SUPPLEMENT_DONE: Final = ("hoàn thành bổ sung", "đã bổ sung hồ sơ", "tiếp nhận hồ sơ bổ sung",
                          "tiếp nhận bổ sung")
NO_APPOINTMENT_STEP: Final = "hồ sơ không có ngày hẹn trả"
FINISH_STEP: Final = "kết thúc xử lý hồ sơ"

# Flag codes (app/quality/vocabulary.py words them).
SUPPLEMENT_DONE_AS_PAUSE: Final = "supplement_done_coded_as_pause"
SYNTHETIC_FINISH: Final = "synthetic_finish"
FINISH_BEFORE_LATER_STEPS: Final = "finish_before_later_steps"
FINISHED_STATUS_CONTRADICTED: Final = "finished_status_contradicted"


class ReadableDossier(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def returned_at(self) -> datetime | None: ...


class ReadableStep(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> int: ...
    @property
    def content(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class StepFlag:
    """A rule of this module that changed what a step or an instant means."""

    code: str
    at: datetime | None
    detail: str


@dataclass(frozen=True, slots=True)
class StepReading:
    events: tuple[ClockEvent, ...]  # in timeline order
    status: int
    finished_at: datetime | None
    returned_at: datetime | None
    flags: tuple[StepFlag, ...]


def _folded(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _order(event: ClockEvent) -> tuple[datetime, int]:
    return event.at, progression_rank(event.status)


def _first(events: Iterable[ClockEvent], status: DossierStatus) -> datetime | None:
    return next((e.at for e in events if e.status == status), None)


def step_status(status: int, content: str | None) -> int:
    """The status a step stands for: a supplement completed ends the pause, whatever code."""
    if status in PAUSING and any(phrase in _folded(content) for phrase in SUPPLEMENT_DONE):
        return DossierStatus.PROCESSING
    return status


def is_synthetic_finish(
    status: int, content: str | None, at: datetime, dossier_status: int, received_at: datetime
) -> bool:
    """TD.DichVuCong's made-up finish steps on a dossier whose own status is open."""
    if status != DossierStatus.FINISHED or dossier_status in FINISHED:
        return False
    text = _folded(content)
    return NO_APPOINTMENT_STEP in text or (FINISH_STEP in text and at == received_at)


def _meaning(
    dossier: ReadableDossier, step: ReadableStep, flags: list[StepFlag]
) -> ClockEvent | None:
    """The clock event a step stands for, or None."""
    if step.status not in KNOWN:
        return None
    status = step_status(step.status, step.content)
    if status != step.status:
        flags.append(StepFlag(SUPPLEMENT_DONE_AS_PAUSE, step.at, step.content or ""))
    elif is_synthetic_finish(status, step.content, step.at, dossier.status, dossier.received_at):
        flags.append(StepFlag(SYNTHETIC_FINISH, step.at, step.content or ""))
        return None
    return ClockEvent(at=step.at, status=status)


def _before(instant: datetime | None, last_active: datetime | None) -> bool:
    return instant is not None and last_active is not None and instant < last_active


def read_steps(dossier: ReadableDossier, steps: Iterable[ReadableStep]) -> StepReading:
    """The clock's reading of `dossier` and its `steps` (see the module docstring)."""
    flags: list[StepFlag] = []
    meant = {e for e in (_meaning(dossier, s, flags) for s in steps) if e is not None}
    ordered = sorted(meant, key=_order)
    active = [e for e in ordered if e.status in ACTIVE]
    last_active = _order(active[-1]) if active else None
    events: list[ClockEvent] = []
    for event in ordered:
        if event.status in FINISHED and last_active is not None and _order(event) < last_active:
            flags.append(StepFlag(FINISH_BEFORE_LATER_STEPS, event.at, f"TrangThai {event.status}"))
            continue
        events.append(event)
    last_at = last_active[0] if last_active else None
    finished_at, returned_at = dossier.finished_at, dossier.returned_at
    if _before(finished_at, last_at):
        flags.append(StepFlag(FINISH_BEFORE_LATER_STEPS, finished_at, "NgayKetThucXuLy"))
        finished_at = None
    if _before(returned_at, last_at):
        flags.append(StepFlag(FINISH_BEFORE_LATER_STEPS, returned_at, "NgayTra"))
        returned_at = None
    # The first finish and return steps stand in for instants the record did not give.
    finished_at = finished_at or _first(events, DossierStatus.FINISHED)
    returned_at = returned_at or _first(events, DossierStatus.RETURNED)
    status = dossier.status
    finished = finished_at or returned_at or any(e.status in FINISHED for e in events)
    if status in FINISHED and not finished and active:
        flags.append(StepFlag(FINISHED_STATUS_CONTRADICTED, active[-1].at,
                              f"TrangThaiHoSo {status}, bước cuối {active[-1].status}"))
        status = active[-1].status
    unique = tuple(dict.fromkeys(flags))
    return StepReading(tuple(events), status, finished_at, returned_at, unique)
