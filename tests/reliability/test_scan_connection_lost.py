"""PostgreSQL goes away during a scan: the job fails cleanly, the next run completes.

The shared server is not restarted (other tests use it): the scan's own backend is ended with
`pg_terminate_backend` from another connection in the middle of the scan, which is what the
scan sees when the server restarts: its connection dies mid-transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.db.session import make_engine, make_session_factory, session_scope
from app.models import DossierTransition, JobRun, Notice
from app.scan import service as scan_service
from app.scan.jobs import JOBS
from app.scheduler.runner import JobRunner
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.scan.scenario import AFTER_DUE, add_dossier, make_case

DOSSIERS = 30
SCAN = next(spec for spec in JOBS if spec.id == "scan")


@pytest.fixture
def factory(fresh_database_url: str, backend: str) -> Iterator[sessionmaker[Session]]:
    if backend != "postgresql":
        pytest.skip("terminating a server backend is a PostgreSQL fault")
    engine = make_engine(fresh_database_url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        case = make_case(session)
        for n in range(DOSSIERS):
            add_dossier(session, case, f"000.00.12.H36-260302-{n:04d}")
    yield factory
    engine.dispose()


def runner(url: str, factory: sessionmaker[Session], tmp_path: Path) -> JobRunner:
    settings = Settings(environment="test", database_url=url, webhook_secret=TEST_WEBHOOK_SECRET,
                        secret_key="t" * 40, scheduler_lock_path=str(tmp_path / "lock"))
    return JobRunner(settings, factory, instance_id="test", clock=lambda: AFTER_DUE)


def counts(factory: sessionmaker[Session]) -> tuple[int, int, list[tuple[str, str | None]]]:
    with factory() as session:
        transitions = session.scalar(select(func.count()).select_from(DossierTransition)) or 0
        notices = session.scalar(select(func.count()).select_from(Notice)) or 0
        jobs = [(r.outcome, r.error) for r in session.scalars(select(JobRun).order_by(JobRun.id))]
    return transitions, notices, jobs


def test_connection_killed_mid_scan_fails_the_run_and_the_next_run_completes(
    fresh_database_url: str, factory: sessionmaker[Session], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_batch = scan_service.scan_batch
    killed: list[int] = []

    def batch_then_lose_the_server(session: Session, *args: Any, **kwargs: Any) -> Any:
        result = real_batch(session, *args, **kwargs)  # the first batch's work is flushed
        if not killed:
            pid = int(session.scalar(text("SELECT pg_backend_pid()")) or 0)
            other = create_engine(fresh_database_url, isolation_level="AUTOCOMMIT")
            with other.connect() as conn:
                assert conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            other.dispose()
            killed.append(pid)
            session.execute(text("SELECT 1"))  # the scan's next statement meets the dead link
        return result

    monkeypatch.setattr(scan_service, "scan_batch", batch_then_lose_the_server)
    jobs = runner(fresh_database_url, factory, tmp_path)
    failed = jobs.run(SCAN)
    assert killed and failed.outcome == "failed"
    assert failed.error is not None and "OperationalError" in failed.error
    transitions, notices, runs = counts(factory)
    assert (transitions, notices) == (0, 0)  # nothing half-written survives the failure
    assert [outcome for outcome, _ in runs] == ["failed"]

    monkeypatch.setattr(scan_service, "scan_batch", real_batch)
    done = jobs.run(SCAN)
    assert done.outcome == "succeeded"
    assert done.counts["scanned"] == DOSSIERS and done.counts["became_overdue"] == DOSSIERS
    transitions, notices, runs = counts(factory)
    assert transitions == done.counts["became_overdue"] + done.counts["late_without_apology"]
    assert [outcome for outcome, _ in runs] == ["failed", "succeeded"]

    again = jobs.run(SCAN)  # safe to run twice: nothing is recorded twice
    assert again.outcome == "succeeded" and again.counts["became_overdue"] == 0
    assert counts(factory)[:2] == (transitions, notices)
