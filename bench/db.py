"""Bench databases: fresh migrated SQLite files and throwaway PostgreSQL databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import migrate

ROOT = Path(__file__).resolve().parents[1]


def sqlite_url(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


class PostgresDatabases:
    """Creates databases next to BENCH_POSTGRES_URL's and drops them all at the end."""

    def __init__(self, admin_url: str, prefix: str = "tthc_bench_") -> None:
        self.admin_url = admin_url
        self.prefix = prefix
        self.names: list[str] = []

    def create(self) -> str:
        name = f"{self.prefix}{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.names.append(name)
        url = make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        return url

    def drop_all(self) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tthc(url: str, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run the `tthc` command against `url` the way an operator would."""
    env = {**os.environ, "TTHC_DATABASE_URL": url, "TTHC_ENVIRONMENT": "development"}
    command = [sys.executable, "-c", "from app.cli import main; main()", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tthc {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def queued_after_waiting(url: str, timeout: float | None = None, poll: float = 0.003) -> int:
    """Waits until a server on ``url``'s database has processed every queued push delivery
    (a database without the queue, the receiver's baseline, at once), ``timeout`` seconds at
    most (None: as long as it takes): how many are left (0: all processed)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT to_regclass('push_queue') IS NULL OR NOT EXISTS "
                               "(SELECT 1 FROM push_queue)").fetchone()
            if row is not None and row[0]:
                return 0
            if deadline is not None and time.monotonic() > deadline:
                left = conn.execute("SELECT count(*) FROM push_queue").fetchone()
                return int(left[0]) if left is not None else 0
            time.sleep(poll)
