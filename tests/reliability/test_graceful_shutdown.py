"""SIGTERM to `tthc serve`: the request in flight completes and is stored, then the process exits.

The scheduler's side (SIGTERM lets the running job finish, then the lock is freed) is proven in
tests/scheduler/test_process.py::test_stopping_finishes_the_running_job_then_frees_the_lock and
tests/scheduler/test_subprocess.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.core.background_server import free_port
from app.db import migrate
from app.db.session import make_engine
from app.models import Dossier
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier

PROJECT = Path(__file__).resolve().parents[2]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "tthc serve exited during start-up"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("tthc serve did not start")


@pytest.mark.slow
def test_sigterm_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    migrate.upgrade(database)
    port = free_port()
    env = {**os.environ, "TTHC_DATABASE_URL": database, "TTHC_ENVIRONMENT": "test",
           "TTHC_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET, "TTHC_SECRET_KEY": "s" * 40,
           "TTHC_SCHEDULER_LOCK_PATH": str(tmp_path / "lock")}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        codes = [f"H21.65-250908-{n:04d}" for n in range(50)]
        body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", [dossier(c) for c in codes]),
                          ensure_ascii=False).encode()
        half = len(body) // 2
        first_half_sent = threading.Event()

        def slow_body() -> Iterator[bytes]:
            yield body[:half]
            first_half_sent.set()
            time.sleep(1.0)  # SIGTERM arrives while the server is still reading this request
            yield body[half:]

        result: dict[str, httpx.Response] = {}

        def deliver() -> None:
            result["response"] = httpx.post(
                f"{url}/api/v1/webhooks/dvc", content=slow_body(), timeout=30,
                headers={"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
                         "Content-Type": "application/json"})

        sender = threading.Thread(target=deliver)
        sender.start()
        assert first_half_sent.wait(10)
        time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        sender.join(30)
        # uvicorn re-raises the signal once it has shut down cleanly: -SIGTERM, not a crash.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    response = result["response"]
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == len(codes)
    engine = make_engine(database)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Dossier)).scalar_one() == len(codes)
    engine.dispose()
    output = (tmp_path / "serve.log").read_text()
    assert "Shutting down" in output and "Application shutdown complete" in output
    assert output.index("Shutting down") < output.index("POST /api/v1/webhooks/dvc")
