"""Two real scheduler processes on one database: one leads, the other stands by, takes over
when the leader is killed, and a SIGTERM lets the running job finish before exit."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import app
from app.core.config import Settings
from app.models.job_run import JobRun, SchedulerHeartbeat

pytestmark = pytest.mark.slow
REPO_ROOT = Path(app.__file__).resolve().parents[1]


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


@pytest.fixture
def start_scheduler(
    job_settings: Settings, tmp_path: Path
) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "TTHC_DATABASE_URL": job_settings.database_url,
        "TTHC_SCHEDULER_LOCK_PATH": job_settings.scheduler_lock_path,
        "TTHC_DELIVERY_INTERVAL_SECONDS": "1",
        "TTHC_ENVIRONMENT": "test",
        "TTHC_WEBHOOK_SECRET": job_settings.webhook_secret,
        "TTHC_SECRET_KEY": job_settings.secret_key,
        "TTHC_LOG_JSON": "false",
        "TTHC_SMTP_HOST": "",
        "TTHC_OUTGOING_WEBHOOK_URL": "",
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "app.scheduler", "--retry-seconds", "0.3",
             "--check-seconds", "0.3"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _instances(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        rows = session.scalars(select(JobRun).where(JobRun.job == "deliver_notifications")).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.instance_id] = counts.get(row.instance_id, 0) + 1
    return counts


def _pid_of(instance_id: str) -> int:
    return int(instance_id.split(":")[1])


def test_the_standby_process_takes_over_when_the_leader_is_killed(
    start_scheduler: Callable[[str], subprocess.Popen[bytes]],
    factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    first, second = start_scheduler("first"), start_scheduler("second")
    by_pid = {first.pid: first, second.pid: second}
    _wait_for(lambda: sum(_instances(factory).values()) >= 2)
    (leader_instance,) = _instances(factory)
    leader = by_pid[_pid_of(leader_instance)]
    standby = second if leader is first else first
    standby_name = "second" if standby is second else "first"
    _wait_for(lambda: "standing by" in (tmp_path / f"{standby_name}.log").read_text())

    leader.send_signal(signal.SIGKILL)
    leader.wait(10)
    _wait_for(lambda: any(_pid_of(i) == standby.pid for i in _instances(factory)))

    def _beat() -> SchedulerHeartbeat | None:
        with factory() as session:
            return session.get(SchedulerHeartbeat, "scheduler")

    # The heartbeat is its own job, started beside the others: wait for it rather than assume
    # it ran before the first job that left a job_run row.
    _wait_for(lambda: (b := _beat()) is not None and _pid_of(b.instance_id) == standby.pid)
    beat = _beat()
    with factory() as session:
        runs = session.scalars(
            select(JobRun).where(JobRun.job == "deliver_notifications").order_by(JobRun.started_at)
        ).all()
    assert beat is not None and _pid_of(beat.instance_id) == standby.pid
    finished = [run for run in runs if run.finished_at is not None]
    for earlier, later in itertools.pairwise(finished):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at

    standby.send_signal(signal.SIGTERM)
    assert standby.wait(30) == 0
    log = (tmp_path / f"{standby_name}.log").read_text()
    assert "SIGTERM received" in log and "stopped" in log
    with factory() as session:
        running = session.scalars(select(JobRun).where(JobRun.outcome == "running")).all()
    # Only the SIGKILLed leader may have left a run unfinished; the graceful exit did not.
    assert all(_pid_of(run.instance_id) == leader.pid for run in running)
