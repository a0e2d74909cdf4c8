"""Which domain modules declare scheduled jobs.

Each domain keeps its jobs beside its code in its own ``jobs.py`` (a ``JOBS`` list of
`JobSpec`); this file only lists those modules. Adding a domain's jobs is one line here, and
nothing is discovered by import magic, so what the scheduler runs is readable in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import app.auth.jobs
import app.db.jobs
import app.delivery.jobs
import app.forecast.jobs
import app.ingest.jobs
import app.retention.jobs
import app.scan.jobs
import app.scheduler.jobs
from app.core.errors import NotFound
from app.core.jobs import JobModule, JobSpec

JOB_MODULES: Final[tuple[JobModule, ...]] = (
    app.scheduler.jobs,
    app.delivery.jobs,
    app.ingest.jobs,
    app.scan.jobs,
    app.forecast.jobs,
    app.db.jobs,
    app.auth.jobs,
    app.retention.jobs,
)


def all_jobs(modules: Sequence[JobModule] = JOB_MODULES) -> list[JobSpec]:
    """Every declared job, in module order; two jobs with one id is a programming error."""
    jobs: list[JobSpec] = []
    seen: dict[str, str] = {}
    for module in modules:
        for spec in module.JOBS:
            owner = getattr(module, "__name__", repr(module))
            if spec.id in seen:
                raise ValueError(f"job id {spec.id!r} declared by {seen[spec.id]} and {owner}")
            seen[spec.id] = owner
            jobs.append(spec)
    return jobs


def get_job(job_id: str, modules: Sequence[JobModule] = JOB_MODULES) -> JobSpec:
    for spec in all_jobs(modules):
        if spec.id == job_id:
            return spec
    known = ", ".join(spec.id for spec in all_jobs(modules))
    raise NotFound(f"no scheduled job {job_id!r}; known jobs: {known}", job=job_id)
