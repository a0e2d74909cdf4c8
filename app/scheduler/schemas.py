"""The shape of a job_run row in `tthc jobs list --json` (and later an admin endpoint)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.models.job_run import JobRun


class JobRunOut(BaseModel):
    id: int
    job: str
    instance_id: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    duration_seconds: float | None
    counts: dict[str, int] | None
    error: str | None

    @classmethod
    def from_row(cls, row: JobRun) -> JobRunOut:
        duration = (
            (row.finished_at - row.started_at).total_seconds()
            if row.finished_at is not None
            else None
        )
        return cls(
            id=row.id,
            job=row.job,
            instance_id=row.instance_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            outcome=row.outcome,
            duration_seconds=duration,
            counts=row.counts,
            error=row.error,
        )
