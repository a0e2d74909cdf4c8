"""Where the SQLite scheduler's lock file lives, and what happens when it cannot be created."""

from __future__ import annotations

import threading
from pathlib import Path

import filelock
import pytest

from app.core.config import Settings
from app.scheduler.leader import FileLeaderLock, LeaderLockUnusable, lock_file_path
from app.scheduler.process import SchedulerProcess


def test_the_lock_sits_beside_the_sqlite_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/data/tthc.db")
    assert lock_file_path(settings) == f"{tmp_path}/data/tthc.db.scheduler.lock"
    chosen = Settings(database_url="sqlite:///x.db", scheduler_lock_path="/run/tthc.lock")
    assert lock_file_path(chosen) == "/run/tthc.lock"


def test_permission_denied_is_an_error_not_a_standby(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: filelock.BaseFileLock, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(filelock.FileLock, "acquire", denied)
    lock = FileLeaderLock(str(tmp_path / "tthc.db.scheduler.lock"))
    with pytest.raises(LeaderLockUnusable, match="Permission denied; set TTHC_SCHEDULER_LOCK"):
        lock.try_acquire()
    class Runner:  # jobs never run: the lock fails first
        instance_id = "test"

    process = SchedulerProcess(
        Settings(database_url=f"sqlite:///{tmp_path}/tthc.db"), jobs=[], lock=lock,
        runner=Runner(),  # type: ignore[arg-type]
    )
    with pytest.raises(LeaderLockUnusable):
        process.run(threading.Event())
