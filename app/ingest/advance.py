"""What one progress step does to a dossier's status (PORTAL.md, "Progress record"): shared by
the upsert (`app.ingest.upsert`) and the read-ahead worker's view of a new dossier
(`app.ingest.clock_ahead`), so that both apply a page's steps identically."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.deadlines.status import ACTIVE, FINISHED
from app.deadlines.store.steps import (
    FINISHED_STATUS_CONTRADICTED,
    is_synthetic_finish,
    step_status,
)
from connectors import NO_STATUS, DataFlag, ProgressRecord, progression_rank
from connectors.portal.fields import format_portal_date


class Advancing(Protocol):
    """What `advance` reads and moves: a stored or new dossier, or the worker's state of one."""

    status: int
    newest_progress_at: datetime | None
    received_at: datetime
    finished_at: datetime | None
    returned_at: datetime | None


def stored_as_of(d: Advancing) -> datetime:
    """The newest instant stored for ``d``: a step or snapshot older than this changes no
    status."""
    return max(i for i in (d.newest_progress_at, d.received_at, d.finished_at, d.returned_at)
               if i is not None)


def step_order(step: ProgressRecord) -> tuple[datetime, int, str]:
    """The order a page's steps of one dossier are applied in."""
    return (step.at, progression_rank(step.status), step.content)


def advance(d: Advancing, step: ProgressRecord) -> DataFlag | None:
    """Move ``d``'s status and newest step instant by ``step``; the flag when a dossier
    reported finished is worked on afterwards."""
    status = step_status(step.status, step.content)
    counts = status != NO_STATUS and not is_synthetic_finish(
        status, step.content, step.at, d.status, d.received_at
    )
    flag = None
    if counts and (step.at, progression_rank(status)) >= (
        stored_as_of(d), progression_rank(d.status)
    ):
        if d.status in FINISHED and status in ACTIVE:
            # reported finished, yet worked on or waited for afterwards (TD.DichVuCong
            # sends a dossier waiting for a supplement as "9")
            flag = DataFlag(FINISHED_STATUS_CONTRADICTED, f"TrangThaiHoSo {d.status}",
                            f"{format_portal_date(step.at)} {status}")
        d.status = status
    if d.newest_progress_at is None or step.at > d.newest_progress_at:
        d.newest_progress_at = step.at
    return flag
