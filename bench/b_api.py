"""api.overdue: p50/p95 of the overdue list under concurrent load, uvicorn on loopback.

The server runs in a subprocess (one worker, as `tthc serve` does); a thread pool sends a
bounded number of requests, each for one page, half of them following a cursor. The baseline is
the same service call in-process, without HTTP.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from app.auth.service import create_token
from app.core.background_server import free_port
from app.core.clock import utcnow
from app.db.session import make_engine, make_session_factory
from app.dossiers import service
from app.dossiers.lists import ListFilters
from bench.data import NOW
from bench.db import ROOT
from bench.results import Result, result

REQUESTS = 400
CONCURRENCY = 8
LIMIT = 50


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _in_process(url: str, repeat: int) -> list[float]:
    engine = make_engine(url)
    timings = []
    with make_session_factory(engine)() as session:
        for _ in range(repeat):
            start = time.perf_counter()
            service.work_list(session, "overdue", NOW, ListFilters(), None, LIMIT)
            timings.append(time.perf_counter() - start)
    engine.dispose()
    return timings


def run(url: str) -> list[Result]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        secret = create_token(session, name="bench", role="admin", agency=None,
                              now=utcnow()).secret
        session.commit()
    engine.dispose()
    port = free_port()
    env = {**os.environ, "TTHC_DATABASE_URL": url, "TTHC_ENVIRONMENT": "development",
           "TTHC_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {secret}"}
    params = {"as_of": NOW.isoformat(), "limit": str(LIMIT)}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            deadline = time.monotonic() + 120  # 10 s were too few on a loaded machine
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            first = client.get("/api/v1/dossiers/overdue", params=params)
            first.raise_for_status()
            cursor = first.json().get("next_cursor")

            def one(i: int) -> float:
                query = dict(params)
                if cursor and i % 2:
                    query["cursor"] = cursor
                start = time.perf_counter()
                response = client.get("/api/v1/dossiers/overdue", params=query)
                elapsed = time.perf_counter() - start
                response.raise_for_status()
                return elapsed

            with ThreadPoolExecutor(CONCURRENCY) as pool:
                timings = list(pool.map(one, range(REQUESTS)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    direct = _in_process(url, 50)
    note = f"{REQUESTS} requests, {CONCURRENCY} concurrent, {LIMIT} per page"
    return [
        result("api.overdue.p50", REQUESTS, statistics.median(timings),
               "same query in-process, p50", statistics.median(direct), note=note),
        result("api.overdue.p95", REQUESTS, _percentile(timings, 0.95),
               "same query in-process, p95", _percentile(direct, 0.95), note=note),
    ]
