"""What a scheduled job is: an id, a function, how often it runs and how it commits.

Most jobs are one transaction: ``func(session, now, settings) -> counts`` gets one session owned
by the run wrapper (committed when the function returns, rolled back when it raises). A job whose
work must commit as it goes (a portal pull page by page, partitions a month at a time beside
live traffic) says so with ``in_transactions`` instead: ``in_transactions(transactions, now,
settings)`` gets `Transactions`, from which it opens and commits its own short transactions;
what it committed before a failure stays. Either way ``now`` is read once by the wrapper, the
counts go to the job_run row, and the job must be safe to run twice: after a crash or a leader
change the same work may be attempted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings


@dataclass(frozen=True)
class Transactions:
    """The database of a job that commits several times, in place of the run's one session."""

    bind: Engine | Connection

    def sessions(self) -> sessionmaker[Session]:
        """A factory of sessions on the job's database; each ``with factory.begin()`` commits."""
        return sessionmaker(bind=self.bind, expire_on_commit=False, autoflush=False)


JobFunc = Callable[[Session, datetime, Settings], dict[str, int]]
TransactionsFunc = Callable[[Transactions, datetime, Settings], dict[str, int]]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job.

    Exactly one of ``func`` (one transaction, the wrapper's) and ``in_transactions`` (its own,
    see the module docstring) is given. Exactly one of ``interval_setting`` (the name of an
    integer `Settings` field holding seconds, so operators tune it with ``TTHC_...``) and
    ``interval_seconds`` (a fixed period, for internal jobs such as the heartbeat) is given.
    ``record_runs=False`` keeps successful runs out of job_run (the heartbeat would write 1,440
    rows a day); failures are always recorded.
    """

    id: str
    func: JobFunc | None = None
    interval_setting: str | None = None
    interval_seconds: float | None = None
    description: str = ""
    record_runs: bool = True
    in_transactions: TransactionsFunc | None = None

    def __post_init__(self) -> None:
        if not self.id or len(self.id) > 64 or not self.id.replace("_", "").isalnum():
            raise ValueError(f"job id {self.id!r} must be 1-64 letters, digits or underscores")
        if (self.func is None) == (self.in_transactions is None):
            raise ValueError(f"job {self.id}: give exactly one of func and in_transactions")
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

    @property
    def transactions(self) -> str:
        """"one" (the wrapper's session) or "several" (the job's own)."""
        return "one" if self.func is not None else "several"

    def call(self, session: Session, now: datetime, settings: Settings) -> dict[str, int]:
        """Run the job's work in the wrapper's `session`, or beside it on the same database."""
        if self.func is not None:
            return self.func(session, now, settings)
        assert self.in_transactions is not None  # one of the two, checked in __post_init__
        return self.in_transactions(Transactions(session.get_bind()), now, settings)

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
