"""What a scheduled job is: an id, a function and how often it runs.

A job function has the signature ``(session, now, settings) -> counts``. It gets one session
owned by the run wrapper (committed when the function returns, rolled back when it raises) and
one ``now`` read once by the wrapper, and returns a few counts for the job_run row. It must be
safe to run twice: after a crash or a leader change the same work may be attempted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from app.core.config import Settings

JobFunc = Callable[[Session, datetime, Settings], dict[str, int]]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job.

    Exactly one of ``interval_setting`` (the name of an integer `Settings` field holding
    seconds, so operators tune it with ``TTHC_...``) and ``interval_seconds`` (a fixed period,
    for internal jobs such as the heartbeat) is given. ``record_runs=False`` keeps successful
    runs out of job_run (the heartbeat would write 1,440 rows a day); failures are always
    recorded.
    """

    id: str
    func: JobFunc
    interval_setting: str | None = None
    interval_seconds: float | None = None
    description: str = ""
    record_runs: bool = True

    def __post_init__(self) -> None:
        if not self.id or len(self.id) > 64 or not self.id.replace("_", "").isalnum():
            raise ValueError(f"job id {self.id!r} must be 1-64 letters, digits or underscores")
        if (self.interval_setting is None) == (self.interval_seconds is None):
            raise ValueError(
                f"job {self.id}: give exactly one of interval_setting and interval_seconds"
            )
        if self.interval_setting is not None:
            field = Settings.model_fields.get(self.interval_setting)
            if field is None or field.annotation is not int:
                raise ValueError(
                    f"job {self.id}: interval_setting {self.interval_setting!r} "
                    "is not an integer field of Settings"
                )
        if self.interval_seconds is not None and self.interval_seconds <= 0:
            raise ValueError(f"job {self.id}: interval_seconds must be positive")

    def interval(self, settings: Settings) -> float:
        """Seconds between two runs under these settings."""
        if self.interval_setting is not None:
            value = getattr(settings, self.interval_setting)
            assert isinstance(value, int)  # checked against the Settings field in __post_init__
            return float(value)
        assert self.interval_seconds is not None
        return self.interval_seconds


class JobModule(Protocol):
    """A domain's `jobs.py`: a module with a ``JOBS`` sequence of `JobSpec`."""

    @property
    def JOBS(self) -> Sequence[JobSpec]: ...
