"""Progress events -> pauses and the finish instant (DEADLINES.md §5–§6).

Events arrive unordered and possibly twice. They are de-duplicated, then ordered by instant;
events of the same instant apply in status-progression order whatever order they came in
(received, processing, paused, finished, returned: `connectors.progression_rank`), so a 4 and
a 5 of one second end paused and a 9 and a 10 end returned with both instants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.deadlines.status import FINISHED, KNOWN, PAUSING, RUNNING, DossierStatus, progression_rank

# Back in processing, or finished: either way the applicant is no longer awaited.
_RESUMING = RUNNING | FINISHED


def require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; give a timezone-aware instant")
    return value


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """A progress step: the dossier's status after the step, at the step's instant."""

    at: datetime
    status: int

    def __post_init__(self) -> None:
        require_aware(self.at, "event instant")
        if self.status not in KNOWN:
            raise ValueError(f"unknown status code {self.status!r}")


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stopped from `start` until `end` (None: still paused)."""

    start: datetime
    end: datetime | None
    statuses: tuple[int, ...]
    ended_by: int | None = None  # the status that ended it: 2/4 resumed, 9/10 finished

    @property
    def supplement(self) -> bool:
        return DossierStatus.SUPPLEMENT in self.statuses

    @property
    def resumed(self) -> bool:
        return self.ended_by in RUNNING

    @property
    def resumed_at(self) -> datetime | None:
        """When the dossier went back into processing (None: still paused, or finished)."""
        return self.end if self.resumed else None


@dataclass(frozen=True, slots=True)
class Timeline:
    pauses: tuple[Pause, ...]
    finished_at: datetime | None
    finish_status: int | None
    last_status: int | None


def build_timeline(
    events: Iterable[ClockEvent],
    *,
    as_of: datetime,
    finished_at: datetime | None = None,
    returned_at: datetime | None = None,
) -> Timeline:
    """Pauses and finish as known at `as_of` (later events and instants are ignored).

    Finished = the first status 9, or a status 10 if no 9 came before it: i.e. the earliest of
    `finished_at`, `returned_at` and the 9/10 events. Finishing ends an open pause.
    """
    # (instant in UTC, as every instant the engine returns; status), each event once; two
    # statuses of one rank at one instant in code order, so the result never depends on hashing.
    ordered = sorted(
        {(e.at.astimezone(UTC), e.status) for e in events if e.at <= as_of},
        key=lambda event: (event[0], progression_rank(event[1]), event[1]),
    )
    finishes = [(at, s) for at, s in ordered if s in FINISHED]
    if finished_at is not None and finished_at <= as_of:
        finishes.append((finished_at, DossierStatus.FINISHED))
    if returned_at is not None and returned_at <= as_of:
        finishes.append((returned_at, DossierStatus.RETURNED))
    finish = min(finishes) if finishes else None  # the earliest; at a tie 9 before 10

    pauses: list[Pause] = []
    open_start: datetime | None = None
    open_statuses: list[int] = []
    for at, status in ordered:
        if finish is not None and at > finish[0]:
            break
        if status in PAUSING:
            if open_start is None:
                open_start, open_statuses = at, []
            if status not in open_statuses:
                open_statuses.append(status)
        elif open_start is not None and status in _RESUMING:
            pauses.append(Pause(open_start, at, tuple(open_statuses), status))
            open_start = None
    if open_start is not None:
        if finish is not None:
            pauses.append(Pause(open_start, finish[0], tuple(open_statuses), finish[1]))
        else:
            pauses.append(Pause(open_start, None, tuple(open_statuses)))
    last_status = ordered[-1][1] if ordered else None
    return Timeline(
        pauses=tuple(pauses),
        finished_at=finish[0] if finish else None,
        finish_status=finish[1] if finish else None,
        last_status=last_status,
    )
