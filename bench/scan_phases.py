"""CPU seconds per phase of a first full scan, beside its baseline: where scan.full's time goes.

    python -m bench.scan_phases --scale 20000 --runs 3

Builds the bench's scan world once (bench/b_scan.py: N open dossiers, never scanned), then for
each run scans a fresh copy of it with the phases of `run_scan` wrapped in process-time
counters, and prints the best run's phases and the baseline (`evaluate_only`) beside it. CPU
rather than wall time, so that other work on the machine costs less accuracy; still compare
two trees back to back (`PYTHONPATH=<tree>`), as the counters run in whichever code is imported.
Phases nest: indented ones are part of the one above. The scan runs in one process
(`read_ahead=False`): with the read-ahead worker, the engine's and the step engine's share
would run in the worker, where process time here does not see it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.db.session import make_engine, make_session_factory
from app.deadlines.store import repository as clock_repository
from app.deadlines.store import sync
from app.notices import repository as notice_repository
from app.scan import notify, service
from app.scan import repository as scan_repository
from app.scan import steps as scan_steps
from bench.b_scan import evaluate_only, load_open_dossiers
from bench.data import NOW, write_catalogue
from bench.db import sqlite_url, tthc

spent: dict[str, float] = {}


def _timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start
    return timed


def _timed_batches(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def batches(*args: Any, **kwargs: Any) -> Iterator[Any]:
        it = fn(*args, **kwargs)
        while True:
            start = time.process_time()
            item = next(it, None)
            spent["read batches"] = spent.get("read batches", 0.0) + time.process_time() - start
            if item is None:
                return
            yield item
    return batches


def _instrument() -> None:
    clock_repository.open_dossier_rows = _timed_batches(clock_repository.open_dossier_rows)
    patches: list[tuple[Any, str, str]] = [
        (notice_repository, "for_dossiers", "notices of the batch"),
        (service, "refresh_deadlines", "refresh_deadlines"),
        (sync, "evaluate_read", "  engine (evaluate_read)"),
        (clock_repository, "events_for", "  steps read"),
        (service, "_write_clock", "  clock UPDATE + rollup"),
        (scan_steps, "step_findings", "step engine (step_findings)"),
        (scan_steps, "keep_states", "step states written"),
        (scan_repository, "recorded_kinds", "transitions known"),
        (scan_repository, "record_transitions", "transitions inserted"),
        (notify, "overdue", "messages built"),
        (notify, "escalation", "messages built"),
        (scan_steps, "overdue_message", "messages built"),
        (service, "enqueue_many", "outbox"),
        (service, "draft_at_risk", "drafts"),
    ]
    for module, name, label in patches:
        if hasattr(module, name):
            setattr(module, name, _timed(label, getattr(module, name)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tthc-scan-phases-"))
    try:
        catalogue = work / "catalogue.json"
        write_catalogue(catalogue)
        world = sqlite_url(work, "world")
        tthc(world, ["procedures", "import", str(catalogue)])
        load_open_dossiers(world, args.scale)
        _instrument()
        best: dict[str, float] | None = None
        baseline = float("inf")
        for _ in range(args.runs):
            copy = work / "run.db"
            shutil.copy(work / "world.db", copy)
            engine = make_engine(f"sqlite:///{copy}")
            start = time.process_time()
            evaluate_only(engine)
            baseline = min(baseline, time.process_time() - start)
            spent.clear()
            with make_session_factory(engine)() as session:
                start = time.process_time()
                service.run_scan(session, NOW, read_ahead=False)
                session.commit()
                spent["total"] = time.process_time() - start
            engine.dispose()
            copy.unlink()
            if best is None or spent["total"] < best["total"]:
                best = dict(spent)
        assert best is not None
        for label, seconds in best.items():
            print(f"{label:30s} {seconds:6.2f}")
        print(f"{'baseline (evaluate_only)':30s} {baseline:6.2f}")
        print(f"{'ratio':30s} {best['total'] / baseline:6.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
