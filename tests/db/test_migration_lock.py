"""`tthc db upgrade` run by several API replicas at once: one migrates, the others wait and
find the schema at head (without the lock, PostgreSQL fails the second with "already exists")."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import migrate
from app.db.session import make_engine
from tests.conftest import POSTGRES_URL

TTHC = str(Path(sys.executable).with_name("tthc"))


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'tthc.db'}"
        return
    name = f"tthc_lock_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_replicas_migrating_together_all_succeed(empty_database: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    env["TTHC_DATABASE_URL"] = empty_database
    replicas = [
        subprocess.Popen([TTHC, "db", "upgrade"], cwd=tmp_path, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [replica.communicate(timeout=180)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0], outputs
    engine = make_engine(empty_database)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()
