"""`python -m bench soak --minutes N`: the service under a mixed load for N minutes, on PostgreSQL.

`tthc serve` and `tthc scheduler` run as they would in production (their own processes,
TTHC_ENVIRONMENT=production) on a fresh database next to BENCH_POSTGRES_URL (default: the local
server as postgres); the scheduler pulls the bundled portal simulator and scans every 20 s; signed
webhook deliveries arrive at ``--rate`` a second and ``--readers`` threads read the public page,
the public rates and the work lists. Every ``--window`` seconds one line: the serve and scheduler
processes' resident memory, the database's connections and size, the rows of `dossier` and
`ingest_run`, the catalog rows inserted (pg_attribute), the jobs run, and the latencies seen.
It stops by itself, checks that nothing was lost or counted twice, and drops its database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from app.agencies.service import import_agencies
from app.auth.service import create_token
from app.core.background_server import BackgroundServer, free_port
from app.core.clock import to_local, utcnow
from app.db.session import make_engine, make_session_factory, session_scope
from app.demo import agency_rows
from app.procedures.service import import_catalogue
from app.rates.rollups import service as rollups
from bench.db import ROOT, PostgresDatabases, queued_after_waiting
from bench.soak_failures import explain_failures
from bench.soak_load import Failure, Latencies, deliveries, read_pages, send_deliveries
from connectors.simulator.app import DEFAULT_TOKEN, create_simulator_app
from connectors.simulator.dataset import Dataset, generate_dataset
from connectors.simulator.faults import Faults

SECRET = "soak-webhook-secret-0123456789abcdef"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LIVE = ("min", "deliveries", "errors", "public page p50/p95/max ms", "serve RSS MB", "DB MB",
        "ingest_run rows", "jobs ok/failed")
COLUMNS = ("min", "deliveries", "errors", "webhook p50/p95 ms", "public page p50/p95/max ms",
           "work list p50/p95 ms", "serve RSS MB", "scheduler RSS MB", "connections", "DB MB",
           "dossiers", "ingest_run rows", "pg_attribute inserts", "jobs ok/failed")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=20.0, help="webhook deliveries a second")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--window", type=float, default=60.0, help="seconds per printed line")
    parser.add_argument("--portal-dossiers", type=int, default=3000,
                        help="dossiers the simulated portal serves to the scheduler's pulls")
    parser.add_argument("--out", type=Path, default=None, help="also write the lines as JSON")
    parser.add_argument("--server-log-level", default="WARNING",
                        help="the serve and scheduler processes' log level (INFO adds the "
                             "access lines the failed requests are matched with)")
    parser.add_argument("--db-prefix", default="tthc_bench_",
                        help="name prefix of the soak's database (it is dropped afterwards)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database and the processes' logs afterwards")
    return parser.parse_args(argv)


def main(argv: list[str]) -> dict[str, Any]:
    args = parse(argv)
    console = Console(width=220)
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)
    databases = PostgresDatabases(admin_url, prefix=args.db_prefix)
    url = databases.create()
    work = Path(tempfile.mkdtemp(prefix="tthc-soak-"))
    processes: list[subprocess.Popen[bytes]] = []
    portal: BackgroundServer | None = None
    try:
        portal_data = generate_dataset(args.portal_dossiers, seed=20, now=utcnow())
        pushed = _pushed_dossiers(args)
        token = _prepare(url, portal_data)
        portal = BackgroundServer(create_simulator_app(portal_data, Faults.none(),
                                                       token=DEFAULT_TOKEN)).start()
        port = free_port()
        env = {**_environment(url, portal.url, work), "TTHC_LOG_LEVEL": args.server_log_level}
        processes.append(_spawn(["serve", "--port", str(port)], env, work / "serve.log"))
        processes.append(_spawn(["scheduler"], env, work / "scheduler.log"))
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        kept = f", logs in {work}" if args.keep else ""
        console.print(f"soak: {args.minutes:g} min, {args.rate:g} deliveries/s, {args.readers} "
                      f"readers, database {url.rsplit('/', 1)[-1]}{kept}")
        began = time.time()
        lines, accepted, failed = _run(args, base, token, pushed, processes, make_engine(url),
                                       console)
        # the processor counts a queued delivery in its row of the minute moments after its
        # reply (app/ingest/queue_repository.py): the counts are checked once it has
        check = {"accepted_deliveries": accepted,
                 "queue_left": queued_after_waiting(url, timeout=60, poll=0.05),
                 **_check(url, console)}
        failures = explain_failures(failed, began, work / "serve.log", console)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
        if portal is not None:
            portal.stop()
        if not args.keep:
            databases.drop_all()
            shutil.rmtree(work, ignore_errors=True)
    report = {"lines": lines, "check": check, "failures": failures}
    if args.out is not None:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _pushed_dossiers(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Enough dossiers for the run's deliveries (about six each), with codes the portal's data
    does not use."""
    count = max(50, int(args.rate * args.minutes * 60 / 6) + 50)
    pushed = generate_dataset(count, seed=21, now=utcnow()).dossiers
    for payload in pushed:
        code = f"{payload['MaHoSo']}-W"
        payload["MaHoSo"] = code
        for step in payload.get("QuaTrinhXuLy") or []:
            step["MaHoSo"] = code
    return pushed


def _prepare(url: str, data: Dataset) -> str:
    factory = make_session_factory(make_engine(url))
    now = utcnow()
    with session_scope(factory) as session:
        import_agencies(session, agency_rows(data.agencies()), now)
        import_catalogue(session, enumerate(data.catalogue(), start=1), now)
        return create_token(session, name="soak", role="admin", agency=None, now=now).secret


def _environment(url: str, portal: str, work: Path) -> dict[str, str]:
    return {
        **os.environ, "TTHC_DATABASE_URL": url, "TTHC_ENVIRONMENT": "production",
        "TTHC_SECRET_KEY": "s" * 48, "TTHC_WEBHOOK_SECRET": SECRET,
        "TTHC_WEBHOOK_RATE_PER_MINUTE": "100000", "TTHC_WEBHOOK_BURST": "5000",
        "TTHC_PORTAL_BASE_URL": portal, "TTHC_PORTAL_TOKEN": DEFAULT_TOKEN,
        "TTHC_SCAN_INTERVAL_SECONDS": "20", "TTHC_PULL_INTERVAL_SECONDS": "20",
        "TTHC_RETENTION_INTERVAL_SECONDS": "300", "TTHC_ARCHIVE_DIR": str(work / "archive"),
        "TTHC_SCHEDULER_LOCK_PATH": str(work / "scheduler.lock"), "TTHC_LOG_LEVEL": "WARNING",
    }


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "app.cli", *args], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"tthc serve at {base} did not become ready in 60 s")


def _run(args: argparse.Namespace, base: str, token: str, pushed: list[dict[str, Any]],
         processes: list[subprocess.Popen[bytes]], engine: Engine,
         console: Console) -> tuple[list[dict[str, Any]], int, list[Failure]]:
    """The windows' lines, how many deliveries were accepted in all, and the failures."""
    stop, latencies = threading.Event(), Latencies()
    today = to_local(utcnow()).date()
    rates = {"from": (today.replace(day=1) - timedelta(days=180)).replace(day=1).isoformat(),
             "to": (today + timedelta(days=1)).isoformat()}
    threads = send_deliveries(base, SECRET, deliveries(pushed, seed=1), args.rate, 8, stop,
                              latencies)
    threads += read_pages(base, token, rates, args.readers, 0.2, stop, latencies)
    lines: list[dict[str, Any]] = []
    began = time.monotonic()
    previous = _sample(engine, processes)
    end = began + args.minutes * 60
    try:
        while (now := time.monotonic()) < end:
            time.sleep(min(args.window, end - now))
            sample = _sample(engine, processes)
            seconds, errors = latencies.take()
            lines.append(_line((time.monotonic() - began) / 60, seconds, errors, sample,
                               previous))
            previous = sample
            console.print("  ".join(f"{k}={lines[-1][k]}" for k in LIVE))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        engine.dispose()
    seconds, errors = latencies.take()  # the requests in flight when the last window closed
    tail = len(seconds.get("webhook", [])) - errors.get("webhook", 0)
    table = Table(title="tthc-monitor soak")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for line in lines:
        table.add_row(*[str(line[c]) for c in COLUMNS])
    console.print(table)
    return lines, sum(line["webhook_ok"] for line in lines) + tail, latencies.failures


def _rss_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return round(int(row.split()[1]) / 1024, 1)
    return 0.0


def _sample(engine: Engine, processes: list[subprocess.Popen[bytes]]) -> dict[str, Any]:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        row = conn.execute(text(
            "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),"
            " pg_database_size(current_database()), (SELECT count(*) FROM dossier),"
            " (SELECT count(*) FROM ingest_run),"
            " (SELECT n_tup_ins FROM pg_stat_sys_tables WHERE relname = 'pg_attribute'),"
            " (SELECT count(*) FROM job_run WHERE outcome = 'succeeded'),"
            " (SELECT count(*) FROM job_run WHERE outcome = 'failed')"
        )).one()
    return {"rss": [_rss_mb(p.pid) for p in processes], "connections": int(row[0]),
            "db_mb": round(int(row[1]) / 2**20), "dossiers": int(row[2]), "runs": int(row[3]),
            "attribute_inserts": int(row[4] or 0), "jobs_ok": int(row[5]),
            "jobs_failed": int(row[6])}


def _ms(values: list[float], q: float) -> int:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))])


def _line(minute: float, seconds: dict[str, list[float]], errors: dict[str, int],
          now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    def pct(kind: str, *qs: float) -> str:
        values = seconds.get(kind) or [0.0]
        return "/".join(str(_ms(values, q)) for q in qs)

    return {
        "min": round(minute, 1), "deliveries": len(seconds.get("webhook", [])),
        "errors": sum(errors.values()),
        "webhook p50/p95 ms": pct("webhook", 0.5, 0.95),
        "public page p50/p95/max ms": pct("public_page", 0.5, 0.95, 1.0),
        "work list p50/p95 ms": pct("worklist", 0.5, 0.95),
        "serve RSS MB": now["rss"][0], "scheduler RSS MB": now["rss"][1],
        "connections": now["connections"], "DB MB": now["db_mb"], "dossiers": now["dossiers"],
        "ingest_run rows": now["runs"],
        "pg_attribute inserts": now["attribute_inserts"] - before["attribute_inserts"],
        "jobs ok/failed": f"{now['jobs_ok'] - before['jobs_ok']}/"
                          f"{now['jobs_failed'] - before['jobs_failed']}",
        "public_page_mean_ms": round(1000 * statistics.fmean(seconds.get("public_page") or [0])),
        "webhook_ok": len(seconds.get("webhook", [])) - errors.get("webhook", 0),
    }


def _check(url: str, console: Console) -> dict[str, Any]:
    """Nothing lost or counted twice: the rollup equals a recount; every accepted delivery is in
    the reception rows."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            problems = rollups.verify(session)
            pages = session.execute(text(
                "SELECT coalesce(sum(pages), 0), count(*) FROM ingest_run WHERE source = 'webhook'"
            )).one()
            codes = session.execute(text(
                "SELECT count(*), count(DISTINCT code) FROM dossier")).one()
    finally:
        engine.dispose()
    check = {"rollup_exact": not problems, "deliveries_recorded": int(pages[0]),
             "webhook_ingest_runs": int(pages[1]), "dossiers": int(codes[0]),
             "distinct_codes": int(codes[1])}
    console.print(f"rollup exact: {not problems}; webhook deliveries recorded: {pages[0]} in "
                  f"{pages[1]} ingest_run rows; dossiers {codes[0]} ({codes[1]} distinct codes)")
    return check
