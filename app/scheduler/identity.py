"""Who is running: an instance id ``host:pid:uuid`` for job_run rows and the heartbeat."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

_current: ContextVar[str | None] = ContextVar("scheduler_instance_id", default=None)


def new_instance_id() -> str:
    """A fresh id; the uuid part tells two schedulers in one process (tests) apart."""
    host = socket.gethostname()[:80] or "unknown-host"
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@lru_cache(maxsize=1)
def process_instance_id() -> str:
    return new_instance_id()


def current_instance_id() -> str:
    """The instance the running job acts for (set by the run wrapper), else this process's."""
    return _current.get() or process_instance_id()


@contextmanager
def acting_as(instance_id: str) -> Iterator[None]:
    # Set inside the executor thread by the run wrapper: contextvars do not follow a job from
    # the scheduler thread into the thread pool.
    token = _current.set(instance_id)
    try:
        yield
    finally:
        _current.reset(token)
