"""Job runs over HTTP, for the operators' view of what the scheduler did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.scheduler import repository
from app.scheduler.schemas import JobRunOut

router = APIRouter(prefix="/api/v1/jobs", tags=["operations"])


@router.get("/runs", response_model=list[JobRunOut], summary="Recent scheduled job runs")
def job_runs(
    session: SessionDep,
    _principal: Annotated[Principal, Depends(require_roles("supervisor"))],
    job: Annotated[str | None, Query(max_length=64, description="Only this job id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[JobRunOut]:
    """Newest first: job id, instance, start and end, outcome, counts, error."""
    return [JobRunOut.from_row(r) for r in repository.recent_runs(session, limit=limit, job=job)]
