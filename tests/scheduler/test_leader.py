from __future__ import annotations

from collections.abc import Callable

import pytest

from app.core.config import Settings
from app.scheduler.leader import make_leader_lock


def test_only_one_instance_holds_the_lock(job_settings: Settings) -> None:
    first, second = make_leader_lock(job_settings), make_leader_lock(job_settings)
    try:
        assert first.try_acquire()
        assert first.try_acquire(), "re-acquiring a held lock keeps it"
        assert not second.try_acquire()
        assert first.is_held() and not second.is_held()
        first.release()
        assert not first.is_held()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.dispose()
        second.dispose()


def test_a_dead_leader_connection_frees_the_lock(
    job_settings: Settings, backend: str, terminate_lock_holder: Callable[[str], int]
) -> None:
    if backend != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite's file lock dies with its process")
    leader, standby = make_leader_lock(job_settings), make_leader_lock(job_settings)
    try:
        assert leader.try_acquire()
        assert not standby.try_acquire()
        terminate_lock_holder(job_settings.database_url)
        assert not leader.is_held()
        assert standby.try_acquire()
        assert not leader.try_acquire()
    finally:
        leader.dispose()
        standby.dispose()
