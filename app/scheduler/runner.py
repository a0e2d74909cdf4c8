"""The run wrapper: every scheduled or manual run of a job goes through `JobRunner.run`.

It owns the sessions and the error handling, so a job function is only its work:

1. take the job's guard (one run of a job at a time, see `guard.py`), else report "skipped";
2. read ``now`` once, commit a job_run row "running" in its own transaction;
3. call the job in the guarded session, which commits when the job returns;
4. commit the outcome, counts and error in another transaction, so a failed job is recorded
   even though its own work was rolled back.

`run` never raises an `Exception`: a failing job, or a database that is down, is logged and
returned as a "failed" result, and the scheduler carries on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from app.core.clock import utcnow
from app.core.config import Settings, get_settings
from app.core.jobs import JobSpec
from app.db.session import get_engine, make_session_factory, session_scope
from app.scheduler import registry, repository
from app.scheduler.guard import JobGuard, make_job_guard
from app.scheduler.identity import acting_as, process_instance_id
from app.scheduler.leader import lock_file_path

logger = logging.getLogger(__name__)

Outcome = Literal["succeeded", "failed", "skipped"]
ERROR_TEXT_LIMIT = 8000


@dataclass(frozen=True)
class JobRunResult:
    job: str
    outcome: Outcome
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobRunner:
    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session] | None = None,
        *,
        instance_id: str | None = None,
        guard: JobGuard | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.factory = factory or make_session_factory(get_engine(settings.database_url))
        self.instance_id = instance_id or process_instance_id()
        self.guard = guard or make_job_guard(
            self.factory, is_sqlite=settings.is_sqlite, lock_path=lock_file_path(settings)
        )
        self.clock = clock

    def run(self, spec: JobSpec) -> JobRunResult:
        with acting_as(self.instance_id):
            try:
                return self._run(spec)
            except Exception as exc:  # the database itself failed: report, never kill the caller
                logger.error(
                    "job %s could not be run or recorded",
                    spec.id,
                    extra={"job": spec.id, "error_type": type(exc).__name__},
                )
                return JobRunResult(job=spec.id, outcome="failed", error=_describe(exc))

    def _run(self, spec: JobSpec) -> JobRunResult:
        run_id: int | None = None
        started_at: datetime | None = None
        finished_at: datetime | None = None
        counts: dict[str, int] = {}
        try:
            with self.guard.session_for(spec.id) as session:
                if session is None:
                    logger.info("job %s is running elsewhere; skipped", spec.id,
                                extra={"job": spec.id})
                    return JobRunResult(job=spec.id, outcome="skipped")
                started_at = self.clock()
                if spec.record_runs:
                    run_id = self._record_start(spec, started_at)
                try:
                    counts = _checked_counts(spec, spec.call(session, started_at, self.settings))
                finally:
                    # Read before the guard is released: run intervals of a job never overlap.
                    finished_at = self.clock()
        except Exception as exc:
            finished_at = finished_at or self.clock()
            error = _describe(exc)
            if run_id is None:
                run_id = self._record_start(spec, started_at or finished_at)
            self._record_finish(run_id, finished_at, "failed", None, error)
            # The exception text may quote row values; the log line carries only its type.
            logger.error(
                "job %s failed (%s); see `tthc jobs list`",
                spec.id,
                type(exc).__name__,
                extra={"job": spec.id, "run_id": run_id, "error_type": type(exc).__name__},
            )
            return JobRunResult(
                job=spec.id, outcome="failed", run_id=run_id, error=error,
                started_at=started_at, finished_at=finished_at,
            )
        if run_id is not None:
            self._record_finish(run_id, finished_at, "succeeded", counts, None)
        logger.info("job %s succeeded", spec.id,
                    extra={"job": spec.id, "run_id": run_id, "counts": counts})
        return JobRunResult(
            job=spec.id, outcome="succeeded", run_id=run_id, counts=counts,
            started_at=started_at, finished_at=finished_at,
        )

    def _record_start(self, spec: JobSpec, started_at: datetime) -> int:
        with session_scope(self.factory) as session:
            run = repository.start_run(
                session, job=spec.id, instance_id=self.instance_id, started_at=started_at
            )
            return run.id

    def _record_finish(
        self,
        run_id: int,
        finished_at: datetime,
        outcome: str,
        counts: dict[str, int] | None,
        error: str | None,
    ) -> None:
        with session_scope(self.factory) as session:
            repository.finish_run(
                session, run_id, finished_at=finished_at, outcome=outcome,
                counts=counts, error=error,
            )


def _checked_counts(spec: JobSpec, counts: object) -> dict[str, int]:
    # Checked before the job's commit: a job that breaks its contract is rolled back.
    if not isinstance(counts, dict) or not all(
        isinstance(key, str) and isinstance(value, int) and not isinstance(value, bool)
        for key, value in counts.items()
    ):
        raise TypeError(f"job {spec.id} must return dict[str, int], got {counts!r:.200}")
    return dict(counts)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception(exc)).strip()
    if len(text) > ERROR_TEXT_LIMIT:
        # Keep the end: the last frames and the message say what went wrong.
        text = "…" + text[-(ERROR_TEXT_LIMIT - 1) :]
    return text


def run_job(
    spec: JobSpec,
    *,
    settings: Settings | None = None,
    factory: sessionmaker[Session] | None = None,
    instance_id: str | None = None,
) -> JobRunResult:
    """Run one job now through the wrapper (the guard still applies)."""
    return JobRunner(settings or get_settings(), factory, instance_id=instance_id).run(spec)


def run_job_once(
    job_id: str,
    *,
    settings: Settings | None = None,
    factory: sessionmaker[Session] | None = None,
    instance_id: str | None = None,
) -> JobRunResult:
    """Run a registered job by id now; raises `NotFound` for an unknown id."""
    spec = registry.get_job(job_id)
    return run_job(spec, settings=settings, factory=factory, instance_id=instance_id)
