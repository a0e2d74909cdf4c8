"""`python -m bench --scale N`: every benchmark beside its baseline, a table, bench/results.json.

`ingest.postgresql` runs when BENCH_POSTGRES_URL names a PostgreSQL server the bench may create
and drop databases on (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres).

`python -m bench soak --minutes N`: the mixed load of a production day (bench/soak.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from bench import (
    b_api,
    b_deadline,
    b_forecast,
    b_ingest,
    b_rates,
    b_receiver,
    b_scan,
    b_scan_steps,
    soak,
)
from bench.data import write_catalogue, write_csv
from bench.db import PostgresDatabases, sqlite_url, tthc
from bench.results import Result, print_table, write_json

NAMES = ("deadline", "forecast", "ingest", "postgresql", "receiver", "rates", "scan", "scan_steps",
         "api",
         "memory")


def main(argv: list[str] | None = None) -> list[Result]:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["soak"]:
        soak.main(arguments[1:])
        return []
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=int, default=200_000, help="N dossiers (default 200000)")
    parser.add_argument("--memory-rows", type=int, default=None,
                        help="rows of the peak-memory import (default min(N, 100000); "
                             "1000000 for the issue's full million, about 12 minutes more)")
    parser.add_argument("--deliveries", type=int, default=2000,
                        help="single-record deliveries of receiver.http (default 2000)")
    parser.add_argument("--receiver-rounds", type=int, default=5,
                        help="alternated pairs of receiver.http runs; the median is reported "
                             "(default 5)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TTHC_WORKERS", 2)),
                        help="uvicorn workers of receiver.http, both servers (default 2)")
    parser.add_argument("--only", default=",".join(NAMES), help=f"subset of {', '.join(NAMES)}")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--workdir", type=Path, default=None, help="keep databases here")
    args = parser.parse_args(arguments)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    console = Console(width=200)
    n = args.scale
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    began = time.perf_counter()

    def step(label: str, fn: Callable[[], list[Result] | Result]) -> None:
        start = time.perf_counter()
        console.print(f"[bold]{label}[/bold] …")
        out = fn()
        results.extend(out if isinstance(out, list) else [out])
        console.print(f"  done in {time.perf_counter() - start:.1f} s")

    pg_url = os.environ.get("BENCH_POSTGRES_URL")
    pg = PostgresDatabases(pg_url) if pg_url else None
    try:
        catalogue, data = workdir / "catalogue.json", workdir / f"dossiers-{n}.csv"
        write_catalogue(catalogue)
        if wanted & {"ingest", "postgresql", "rates"}:
            write_csv(data, n)
        if "deadline" in wanted:
            step("deadline.compute", lambda: b_deadline.run(n))
        if "forecast" in wanted:
            # 100,000 open dossiers at the default scale: a large province's working stock
            step("forecast.at_risk", lambda: b_forecast.run(min(n, 100_000)))
        main_db: str | None = None
        if wanted & {"ingest", "rates"}:
            main_db = sqlite_url(workdir, "ingest")
            tthc(main_db, ["procedures", "import", str(catalogue)])
            db, base_db = main_db, sqlite_url(workdir, "baseline")
            step("ingest.sqlite", lambda: b_ingest.run_sqlite(db, base_db, data, n))
        if "postgresql" in wanted:
            if pg is None:
                console.print("ingest.postgresql skipped: BENCH_POSTGRES_URL is not set")
            else:
                ours_pg, base_pg = pg.create(), pg.create()
                tthc(ours_pg, ["procedures", "import", str(catalogue)])
                step("ingest.postgresql",
                     lambda: b_ingest.run_postgres(ours_pg, base_pg, data, n))
        if "receiver" in wanted:
            if pg is None:
                console.print("receiver.http skipped: BENCH_POSTGRES_URL is not set")
            else:
                databases = pg
                step("receiver.http", lambda: b_receiver.run(databases, args.deliveries,
                                                             args.workers, workdir,
                                                             args.receiver_rounds))
        if "rates" in wanted and main_db is not None:
            db = main_db
            step("rates.query", lambda: b_rates.run(db))
            step("rates.public_page", lambda: b_rates.run_public(db))
        scan_db: str | None = None
        if wanted & {"scan", "api"}:
            scan_db = sqlite_url(workdir, "scan")
            tthc(scan_db, ["procedures", "import", str(catalogue)])
            db = scan_db
            step("scan", lambda: b_scan.run(db, n))
        if "scan_steps" in wanted:
            ours_steps, base_steps = sqlite_url(workdir, "steps"), sqlite_url(workdir, "nosteps")
            for url in (ours_steps, base_steps):
                tthc(url, ["procedures", "import", str(catalogue)])
            step("scan.steps", lambda: b_scan_steps.run(ours_steps, base_steps, n))
        if "api" in wanted and scan_db is not None:
            db = scan_db
            step("api.overdue", lambda: b_api.run(db))
        if "memory" in wanted:
            rows = args.memory_rows or min(n, 100_000)
            step("ingest.peak_memory",
                 lambda: b_ingest.run_memory(sqlite_url(workdir, "memory"), workdir, rows,
                                             catalogue))
    finally:
        if pg is not None:
            pg.drop_all()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        if sys.exc_info()[0] is not None:  # what finished before the failure is still shown
            print_table(results, console)
            write_json(results, args.out)
    print_table(results, console)
    write_json(results, args.out)
    console.print(f"wrote {args.out} — total {time.perf_counter() - began:.0f} s")
    return results


if __name__ == "__main__":
    main()
