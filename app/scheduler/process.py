"""The scheduler process: stand by until leader, then run every registered job on its interval.

APScheduler's `BackgroundScheduler` runs the jobs (timezone Asia/Ho_Chi_Minh, one interval
trigger per job, ``coalesce`` and ``max_instances=1``); the calling thread waits for a stop
signal and keeps checking the leader lock. Every job runs once as soon as an instance becomes
leader, so after downtime (or a hand-over) nothing waits a whole interval; coalescing turns the
runs missed meanwhile into one. Stopping lets running jobs finish before the lock is released.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from app.core.clock import LOCAL_TZ, utcnow
from app.core.config import Settings
from app.core.jobs import JobSpec
from app.scheduler import registry
from app.scheduler.leader import LeaderLock, LeaderLockUnusable, make_leader_lock
from app.scheduler.runner import JobRunner

logger = logging.getLogger(__name__)

STANDBY_RETRY_SECONDS = 5.0
LEADER_CHECK_SECONDS = 5.0
STANDBY_LOG_EVERY_SECONDS = 300.0


class SchedulerProcess:
    def __init__(
        self,
        settings: Settings,
        *,
        jobs: Sequence[JobSpec] | None = None,
        lock: LeaderLock | None = None,
        runner: JobRunner | None = None,
        retry_seconds: float = STANDBY_RETRY_SECONDS,
        check_seconds: float = LEADER_CHECK_SECONDS,
    ) -> None:
        self.settings = settings
        self.jobs = list(jobs) if jobs is not None else registry.all_jobs()
        self.lock = lock or make_leader_lock(settings)
        self.runner = runner or JobRunner(settings)
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.leading = threading.Event()

    @property
    def instance_id(self) -> str:
        return self.runner.instance_id

    def run(self, stop: threading.Event) -> None:
        """Stand by or lead until `stop` is set; returns after running jobs have finished."""
        logger.info(
            "scheduler %s starting with %d jobs (%s)",
            self.instance_id, len(self.jobs), self.lock.description,
        )
        last_standby_log: float | None = None
        try:
            while not stop.is_set():
                if self._try_acquire():
                    last_standby_log = None
                    self._lead(stop)
                    continue
                now = time.monotonic()
                if last_standby_log is None or now - last_standby_log >= STANDBY_LOG_EVERY_SECONDS:
                    logger.info(
                        "scheduler %s standing by: another instance holds the leader lock; "
                        "retrying every %.0f s", self.instance_id, self.retry_seconds,
                    )
                    last_standby_log = now
                stop.wait(self.retry_seconds)
        finally:
            self.lock.dispose()
            logger.info("scheduler %s stopped", self.instance_id)

    def _try_acquire(self) -> bool:
        try:
            return self.lock.try_acquire()
        except LeaderLockUnusable:
            raise  # no retry can fix a path this user cannot write
        except Exception as exc:  # database down: stand by and retry rather than exit
            logger.warning(
                "scheduler %s cannot reach the leader lock (%s)",
                self.instance_id, type(exc).__name__,
            )
            return False

    def _lead(self, stop: threading.Event) -> None:
        logger.info("scheduler %s is the leader", self.instance_id)
        scheduler = self._build_scheduler()
        scheduler.start()
        self.leading.set()
        try:
            while not stop.wait(self.check_seconds):
                if not self.lock.is_held():
                    logger.error(
                        "scheduler %s lost the leader lock; stopping its jobs", self.instance_id
                    )
                    break
        finally:
            self.leading.clear()
            scheduler.shutdown(wait=True)
            self.lock.release()

    def _build_scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            timezone=LOCAL_TZ,
            executors={"default": ThreadPoolExecutor(max_workers=max(2, len(self.jobs)))},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        start = utcnow().astimezone(LOCAL_TZ)
        for spec in self.jobs:
            interval = spec.interval(self.settings)
            scheduler.add_job(
                self.runner.run,
                trigger=IntervalTrigger(seconds=interval, timezone=LOCAL_TZ),
                args=[spec],
                id=spec.id,
                name=spec.description or spec.id,
                # A run late by less than one interval still happens; later ones coalesce.
                misfire_grace_time=max(1, int(interval)),
                next_run_time=start,
            )
        return scheduler
