from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.jobs import JobSpec
from app.scheduler import repository
from app.scheduler.identity import current_instance_id
from app.scheduler.leader import FileLeaderLock, make_leader_lock
from app.scheduler.process import SchedulerProcess
from app.scheduler.runner import JobRunner


class OverlapTracker:
    """Counts executions of a job that are in progress at once, across both schedulers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.by_instance: dict[str, int] = {}

    @contextmanager
    def running(self, instance_id: str) -> Iterator[None]:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.by_instance[instance_id] = self.by_instance.get(instance_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@contextmanager
def running_schedulers(
    settings: Settings, factory: sessionmaker[Session], jobs: list[JobSpec], count: int
) -> Iterator[list[SchedulerProcess]]:
    processes = [
        SchedulerProcess(
            settings,
            jobs=jobs,
            runner=JobRunner(settings, factory, instance_id=f"instance-{index}"),
            retry_seconds=0.1,
            check_seconds=0.1,
        )
        for index in range(count)
    ]
    stops = [threading.Event() for _ in processes]
    threads = [
        threading.Thread(target=process.run, args=(stop,), daemon=True)
        for process, stop in zip(processes, stops, strict=True)
    ]
    for thread in threads:
        thread.start()
    try:
        yield processes
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(20)
            assert not thread.is_alive(), "a scheduler did not stop"


def test_two_schedulers_never_run_a_job_at_once_and_the_standby_takes_over(
    job_settings: Settings,
    factory: sessionmaker[Session],
    backend: str,
    terminate_lock_holder: Callable[[str], int],
) -> None:
    tracker = OverlapTracker()

    def tracked(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        with tracker.running(current_instance_id()):
            time.sleep(0.15)
        return {"slept": 1}

    spec = JobSpec(id="t_tracked", func=tracked, interval_seconds=0.05)
    with running_schedulers(job_settings, factory, [spec], 2) as processes:
        wait_for(lambda: any(p.leading.is_set() for p in processes))
        leader = next(p for p in processes if p.leading.is_set())
        standby = next(p for p in processes if p is not leader)
        wait_for(lambda: tracker.by_instance.get(leader.instance_id, 0) >= 3)
        assert not standby.leading.is_set()
        assert standby.instance_id not in tracker.by_instance

        # Kill the leader's hold on the lock the way a crash would, mid-job.
        wait_for(lambda: tracker.active == 1)
        if backend == "postgresql":
            terminate_lock_holder(job_settings.database_url)
        else:
            assert isinstance(leader.lock, FileLeaderLock)
            leader.lock.release()
        wait_for(lambda: tracker.by_instance.get(standby.instance_id, 0) >= 3)
        assert standby.leading.is_set() and not leader.leading.is_set()

    assert tracker.max_active == 1
    with factory() as session:
        runs = list(repository.runs_of(session, "t_tracked"))
    assert {run.instance_id for run in runs} == {leader.instance_id, standby.instance_id}
    assert all(run.outcome == "succeeded" and run.finished_at for run in runs)
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, (earlier.id, later.id)


def test_a_failing_job_is_recorded_and_the_scheduler_keeps_going(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    def broken(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        raise ValueError("bad record")

    def fine(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        return {"ok": 1}

    jobs = [
        JobSpec(id="t_broken", func=broken, interval_seconds=0.1),
        JobSpec(id="t_fine", func=fine, interval_seconds=0.1),
    ]

    def count(job: str) -> int:
        with factory() as session:
            return len(repository.runs_of(session, job))

    with running_schedulers(job_settings, factory, jobs, 1):
        wait_for(lambda: count("t_broken") >= 3 and count("t_fine") >= 3)

    with factory() as session:
        broken_runs = repository.runs_of(session, "t_broken")
        fine_runs = repository.runs_of(session, "t_fine")
    assert {run.outcome for run in broken_runs} == {"failed"}
    assert all("ValueError: bad record" in (run.error or "") for run in broken_runs)
    assert {run.outcome for run in fine_runs} == {"succeeded"}
    assert all(run.counts == {"ok": 1} for run in fine_runs)


def test_stopping_finishes_the_running_job_then_frees_the_lock(
    job_settings: Settings, factory: sessionmaker[Session]
) -> None:
    started = threading.Event()

    def slow(session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        started.set()
        time.sleep(0.5)
        return {"done": 1}

    process = SchedulerProcess(
        job_settings,
        jobs=[JobSpec(id="t_slow", func=slow, interval_seconds=60)],
        runner=JobRunner(job_settings, factory, instance_id="stopping"),
        retry_seconds=0.1,
        check_seconds=0.1,
    )
    stop = threading.Event()
    thread = threading.Thread(target=process.run, args=(stop,), daemon=True)
    thread.start()
    assert started.wait(15)
    stop.set()
    thread.join(15)
    assert not thread.is_alive()

    with factory() as session:
        (run,) = repository.runs_of(session, "t_slow")
    assert (run.outcome, run.counts) == ("succeeded", {"done": 1})
    successor = make_leader_lock(job_settings)
    try:
        assert successor.try_acquire()
    finally:
        successor.dispose()
