from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.db.session import make_engine, make_session_factory
from app.scheduler.leader import SCHEDULER_LOCK_KEY


@pytest.fixture
def job_settings(fresh_database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=fresh_database_url,
        webhook_secret="test-webhook-secret-0123456789abcdef",
        secret_key="t" * 40,
        log_json=False,
        scheduler_lock_path=str(tmp_path / "scheduler.lock"),
    )


@pytest.fixture
def factory(job_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(job_settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _terminate_lock_holder(database_url: str) -> int:
    """What happens to the lock when its holder dies: the server ends its connection."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            pid = conn.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid::bigint = :hi AND objid::bigint = :lo"
                    # advisory locks are per database: not another test run's holder
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                ),
                {"hi": SCHEDULER_LOCK_KEY >> 32, "lo": SCHEDULER_LOCK_KEY & 0xFFFFFFFF},
            )
            assert pid is not None, "nobody holds the scheduler lock"
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            return int(pid)
    finally:
        engine.dispose()


@pytest.fixture
def terminate_lock_holder() -> Callable[[str], int]:
    return _terminate_lock_holder
