"""`python -m bench soak` runs end to end for a few seconds on PostgreSQL: its lines have the
agreed columns, no request failed, and every accepted delivery is counted once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.soak import COLUMNS
from tests.conftest import POSTGRES_URL


@pytest.mark.slow
def test_a_short_soak(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend != "postgresql":
        pytest.skip("the soak runs on PostgreSQL")
    monkeypatch.setenv("BENCH_POSTGRES_URL", POSTGRES_URL)
    out = tmp_path / "soak.json"
    main(["soak", "--minutes", "0.2", "--window", "4", "--rate", "4", "--readers", "1",
          "--portal-dossiers", "60", "--out", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    lines, check = report["lines"], report["check"]
    assert len(lines) == 3 and all(set(COLUMNS) <= set(line) for line in lines)
    assert sum(line["errors"] for line in lines) == 0, report["failures"]
    assert sum(line["deliveries"] for line in lines) > 0
    # every accepted delivery is in the reception rows, once (the last in-flight ones included)
    assert check["queue_left"] == 0
    assert check["deliveries_recorded"] == check["accepted_deliveries"]
    assert check["rollup_exact"] and check["dossiers"] == check["distinct_codes"]
    assert all(line["serve RSS MB"] > 0 for line in lines)
