from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.errors import NotFound
from app.core.jobs import JobSpec, Transactions
from app.models.agency import Agency
from app.models.job_run import JobRun, SchedulerHeartbeat
from app.scheduler import registry
from app.scheduler.jobs import JOBS as SCHEDULER_JOBS
from app.scheduler.runner import JobRunner, run_job_once

FIXED_NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def _agency_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Agency)) or 0)


def _add_agency(session: Session, now: datetime) -> None:
    session.add(Agency(code="X1", name="Sở Tư pháp", created_at=now, updated_at=now))
    session.flush()


def _runner(settings: Settings, factory: sessionmaker[Session]) -> JobRunner:
    return JobRunner(settings, factory, instance_id="test-host:1:abc", clock=lambda: FIXED_NOW)


def test_success_records_counts_and_passes_one_now(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    seen: list[datetime] = []

    def job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        seen.append(now)
        _add_agency(session, now)
        return {"agencies": 1}

    result = _runner(job_settings, factory).run(JobSpec(id="t_ok", func=job, interval_seconds=1))

    assert result.outcome == "succeeded"
    assert seen == [FIXED_NOW]
    assert _agency_count(factory) == 1
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert (run.job, run.outcome, run.error) == ("t_ok", "succeeded", None)
    assert run.counts == {"agencies": 1}
    assert run.instance_id == "test-host:1:abc"
    assert run.started_at == FIXED_NOW and run.finished_at == FIXED_NOW
    assert result.run_id == run.id


def test_failure_is_recorded_and_the_jobs_work_rolled_back(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    def job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        _add_agency(session, now)
        raise RuntimeError("portal answered nonsense")

    result = _runner(job_settings, factory).run(JobSpec(id="t_fail", func=job, interval_seconds=1))

    assert result.outcome == "failed"
    assert _agency_count(factory) == 0
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert run.outcome == "failed" and run.finished_at is not None
    assert run.error is not None and "RuntimeError: portal answered nonsense" in run.error


def test_a_job_in_transactions_keeps_what_it_committed_before_failing(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    """The contract of a job declared with ``in_transactions``: its own transactions commit as
    they go, so the first page stays when the second fails, and the run is recorded failed."""
    def job(transactions: Transactions, now: datetime, settings: Settings) -> dict[str, int]:
        with transactions.sessions().begin() as session:
            _add_agency(session, now)
        with transactions.sessions().begin() as session:
            session.add(Agency(code="X2", name="Sở Y tế", created_at=now, updated_at=now))
            session.flush()
            raise RuntimeError("second page failed")
        return {"pages": 2}

    spec = JobSpec(id="t_pages", in_transactions=job, interval_seconds=1)
    result = _runner(job_settings, factory).run(spec)

    assert spec.transactions == "several"
    assert result.outcome == "failed"
    assert _agency_count(factory) == 1
    with factory() as session:
        run = session.scalars(select(JobRun)).one()
    assert run.outcome == "failed" and "second page failed" in (run.error or "")


def test_a_job_declares_exactly_one_way_to_commit() -> None:
    def one(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        return {}

    def several(transactions: Transactions, now: datetime, settings: Settings) -> dict[str, int]:
        return {}

    with pytest.raises(ValueError, match="exactly one of func and in_transactions"):
        JobSpec(id="t_both", func=one, in_transactions=several, interval_seconds=1)
    with pytest.raises(ValueError, match="exactly one of func and in_transactions"):
        JobSpec(id="t_none", interval_seconds=1)
    assert JobSpec(id="t_one", func=one, interval_seconds=1).transactions == "one"


def test_a_job_breaking_the_counts_contract_fails_and_rolls_back(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    def job(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        _add_agency(session, now)
        return {"agencies": "one"}  # type: ignore[dict-item]

    result = _runner(job_settings, factory).run(JobSpec(id="t_bad", func=job, interval_seconds=1))

    assert result.outcome == "failed" and "dict[str, int]" in (result.error or "")
    assert _agency_count(factory) == 0


def test_database_down_is_reported_not_raised(job_settings: Settings) -> None:
    broken = job_settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    runner = JobRunner(broken, instance_id="x")
    spec = JobSpec(id="t_down", func=lambda s, n, c: {}, interval_seconds=1)
    result = runner.run(spec)
    assert result.outcome == "failed" and result.error


def test_a_job_running_elsewhere_is_skipped(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    runner = _runner(job_settings, factory)
    inside = threading.Event()
    release = threading.Event()

    def slow(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        inside.set()
        assert release.wait(10)
        return {}

    spec = JobSpec(id="t_guarded", func=slow, interval_seconds=1)
    other = _runner(job_settings, factory)
    thread = threading.Thread(target=runner.run, args=(spec,))
    thread.start()
    try:
        assert inside.wait(10)
        assert other.run(spec).outcome == "skipped"
    finally:
        release.set()
        thread.join(10)
    assert other.run(spec).outcome == "succeeded"
    with factory() as session:
        assert [r.outcome for r in session.scalars(select(JobRun))] == ["succeeded", "succeeded"]


def test_heartbeat_writes_the_instance_and_no_job_run(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    (heartbeat,) = SCHEDULER_JOBS
    assert _runner(job_settings, factory).run(heartbeat).outcome == "succeeded"
    with factory() as session:
        beat = session.get(SchedulerHeartbeat, "scheduler")
        assert beat is not None
        assert (beat.instance_id, beat.beat_at) == ("test-host:1:abc", FIXED_NOW)
        assert session.scalar(select(func.count()).select_from(JobRun)) == 0


def test_run_job_once_runs_a_registered_job(job_settings: Settings) -> None:
    result = run_job_once("deliver_notifications", settings=job_settings, instance_id="cli")
    assert result.outcome == "succeeded"
    assert result.counts["sent"] == 0
    with pytest.raises(NotFound, match="deliver_notifications"):
        run_job_once("no_such_job", settings=job_settings)


def test_registry_lists_each_domain_job_once() -> None:
    ids = [spec.id for spec in registry.all_jobs()]
    assert {"scheduler_heartbeat", "deliver_notifications"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_registry_refuses_two_jobs_with_one_id() -> None:
    class Module:
        JOBS: ClassVar = [JobSpec(id="same", func=lambda s, n, c: {}, interval_seconds=1)]

    with pytest.raises(ValueError, match="same"):
        registry.all_jobs([Module(), Module()])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "bad id", "interval_seconds": 1}, "letters"),
        (
            {"id": "both", "interval_seconds": 1, "interval_setting": "scan_interval_seconds"},
            "exactly one",
        ),
        ({"id": "neither"}, "exactly one"),
        ({"id": "typo", "interval_setting": "scan_interval"}, "not an integer field"),
        ({"id": "text", "interval_setting": "smtp_host"}, "not an integer field"),
        ({"id": "zero", "interval_seconds": 0}, "positive"),
    ],
)
def test_job_spec_refuses_bad_declarations(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JobSpec(func=lambda s, n, c: {}, **kwargs)  # type: ignore[arg-type]


def test_interval_comes_from_settings(job_settings: Settings) -> None:
    spec = JobSpec(id="scan", func=lambda s, n, c: {}, interval_setting="scan_interval_seconds")
    assert spec.interval(job_settings.model_copy(update={"scan_interval_seconds": 42})) == 42.0
