"""A `tthc ingest file` killed with SIGKILL mid-file, then run again, loses and doubles nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.db import migrate
from app.db.session import make_engine
from app.models import Dossier, DossierEvent, IngestRun
from connectors import build_envelope
from tests.ingest.payloads import dossier, stamp, step

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
PAGE = 500


def big_file(path: Path) -> None:
    items = []
    for n in range(ROWS):
        code = f"H21.65-2509{n // 10_000:02d}-{n % 10_000:04d}"
        items.append(dossier(code, steps=[step(code, stamp(8, 8, 30), 2, "Tiếp nhận"),
                                          step(code, stamp(9, 9), 4, "Thụ lý")]))
    path.write_text(json.dumps(build_envelope("DongBoHoSoMC", "H21.65", items),
                               ensure_ascii=False), encoding="utf-8")


def run_cli(url: str, path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TTHC_DATABASE_URL": url, "TTHC_ENVIRONMENT": "development",
           "TTHC_LOG_JSON": "false"}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", "file", str(path), "--page-size", str(PAGE)],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
def test_kill_9_then_rerun(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    migrate.upgrade(url)
    path = tmp_path / "lon.json"
    big_file(path)
    engine = make_engine(url)
    try:
        first = run_cli(url, path, tmp_path / "first.log")
        deadline = time.monotonic() + 240
        committed = 0
        while committed < 3 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
            with engine.connect() as conn:
                committed = conn.execute(text("SELECT max(pages) FROM ingest_run")).scalar() or 0
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL, "the import finished before it was killed"
        with engine.connect() as conn:
            partial = conn.execute(select(func.count()).select_from(Dossier)).scalar_one()
        assert 0 < partial < ROWS

        second = run_cli(url, path, tmp_path / "second.log")
        second.wait(timeout=300)
        assert second.returncode == 0, (tmp_path / "second.log").read_text()
        with engine.connect() as conn:
            codes = conn.execute(select(func.count(func.distinct(Dossier.code)))).scalar_one()
            total = conn.execute(select(func.count()).select_from(Dossier)).scalar_one()
            most_events = conn.execute(
                select(func.max(text("n"))).select_from(
                    select(func.count().label("n"))
                    .select_from(DossierEvent)
                    .group_by(DossierEvent.dossier_id)
                    .subquery()
                )
            ).scalar_one()
            events = conn.execute(select(func.count()).select_from(DossierEvent)).scalar_one()
            runs = conn.execute(select(IngestRun.status, IngestRun.stored)
                                .order_by(IngestRun.id)).all()
        assert total == codes == ROWS
        assert events == 2 * ROWS and most_events == 2
        assert [status for status, _ in runs] == ["running", "succeeded"]
        # the second run resumed after the last committed page instead of starting over
        assert runs[1].stored == ROWS - partial
    finally:
        engine.dispose()
