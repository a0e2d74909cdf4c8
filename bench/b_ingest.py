"""ingest.sqlite / ingest.postgresql: `tthc ingest file` of N dossiers vs a raw bulk load of the
same normalised rows (executemany on SQLite, COPY on PostgreSQL) into the same tables; and the
peak memory of a streaming import.

The baseline reads back what our import stored (raw_record, dossier, dossier_applicant), so it
loads exactly the same rows; agencies and procedures are copied beforehand, untimed. The same
tables mean the same indexes and the rate_rollup triggers on both sides.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.data import write_csv
from bench.db import ROOT, tthc
from bench.results import Result, result

TABLES = ("agency", "procedure", "raw_record", "dossier", "dossier_applicant")
TIMED = ("raw_record", "dossier", "dossier_applicant")
MEMORY_BUDGET_MB = 500


def read_ahead_on() -> bool:
    """Whether `tthc ingest file` reads ahead in a worker process here (app/ingest/cli.py)."""
    from app.core.config import Settings
    from app.ingest.cli import usable_cores

    return Settings().import_read_ahead and usable_cores() > 1


def import_file(url: str, csv_path: Path) -> float:
    start = time.perf_counter()
    tthc(url, ["ingest", "file", str(csv_path)])
    return time.perf_counter() - start


# -- SQLite --------------------------------------------------------------------------------------


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _sqlite_rows(path: str, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        cursor = conn.execute(f'SELECT * FROM "{table}"')
        return [d[0] for d in cursor.description], cursor.fetchall()


def sqlite_baseline(source_url: str, target_url: str) -> float:
    source, target = _sqlite_path(source_url), _sqlite_path(target_url)
    data = {t: _sqlite_rows(source, t) for t in TABLES}
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")

    def load(tables: tuple[str, ...]) -> None:
        conn.execute("BEGIN")
        for table in tables:
            columns, rows = data[table]
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        conn.execute("COMMIT")

    load(("agency", "procedure"))
    start = time.perf_counter()
    load(TIMED)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def run_sqlite(url: str, baseline_url: str, csv_path: Path, n: int) -> Result:
    ours = import_file(url, csv_path)
    base = sqlite_baseline(url, baseline_url)
    return result("ingest.sqlite", n, ours, "executemany of the same rows", base, goal="<=2",
                  note="CLI wall time incl. start-up, CSV parsing, raw copies, deadlines; "
                  "read-ahead worker " + ("on" if read_ahead_on() else "off"))


# -- PostgreSQL ----------------------------------------------------------------------------------


def _pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_baseline(source_url: str, target_url: str) -> float:
    with psycopg.connect(_pg_dsn(source_url)) as src:
        data = {}
        for table in TABLES:
            cursor = src.execute(f'SELECT * FROM "{table}"')
            data[table] = ([d.name for d in cursor.description or ()], cursor.fetchall())
    with psycopg.connect(_pg_dsn(target_url)) as conn:

        def load(tables: tuple[str, ...]) -> None:
            with conn.cursor() as cursor:
                for table in tables:
                    columns, rows = data[table]
                    names = ", ".join(f'"{c}"' for c in columns)
                    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.commit()

        load(("agency", "procedure"))
        start = time.perf_counter()
        load(TIMED)
        return time.perf_counter() - start


def run_postgres(url: str, baseline_url: str, csv_path: Path, n: int) -> Result:
    ours = import_file(url, csv_path)
    base = postgres_baseline(url, baseline_url)
    return result("ingest.postgresql", n, ours, "COPY of the same rows", base, goal="<=3",
                  note="CLI wall time; ours COPYs each page straight into the tables; read-ahead "
                  "worker " + ("on" if read_ahead_on() else "off"))


# -- peak memory ---------------------------------------------------------------------------------


def _high_water_mb(pid: int) -> float | None:
    """VmHWM: the peak RSS of the process's current memory image. Unlike wait4's ru_maxrss it
    starts afresh at exec, so it does not count the benchmark parent's memory that a fork copies
    (after the scan benchmark the parent holds ~1 GB, which ru_maxrss would report as ours)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def run_memory(url: str, workdir: Path, rows: int, catalogue: Path) -> Result:
    """Peak RSS of `tthc ingest file` on a `rows`-row CSV, read from /proc while it runs."""
    csv_path = workdir / f"memory-{rows}.csv"
    write_csv(csv_path, rows, seed=11)
    tthc(url, ["procedures", "import", str(catalogue)])
    env = {**os.environ, "TTHC_DATABASE_URL": url, "TTHC_ENVIRONMENT": "development"}
    log = workdir / "memory-import.log"
    start = time.perf_counter()
    with log.open("wb") as errors:  # a file, not a pipe nobody drains while we poll
        process = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "ingest", "file",
             str(csv_path)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors,
        )
        peaks: dict[int, float] = {}  # the import and its read-ahead worker, each at its peak
        while process.poll() is None:
            for pid in (process.pid, *_children(process.pid)):
                peaks[pid] = max(peaks.get(pid, 0.0), _high_water_mb(pid) or 0.0)
            time.sleep(0.2)
        peak_mb = sum(peaks.values())
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"memory import failed: {log.read_text(errors='replace')[-2000:]}")
    csv_path.unlink()
    return result(
        "ingest.peak_memory", rows, elapsed, f"{MEMORY_BUDGET_MB} MB budget", None,
        ratio=peak_mb / MEMORY_BUDGET_MB, goal="<=1",
        note=f"peak RSS {peak_mb:.0f} MB (import + read-ahead worker); ratio = peak / budget"
        + ("" if rows >= 1_000_000 else "; --memory-rows 1000000 for the full million"),
    )
