"""`tthc forecast at-risk` and `tthc forecast backtest`: output, JSON shape, clear refusals."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from app.cli import app
from app.db.session import make_engine, make_session_factory, session_scope
from tests.forecast.seed import AS_OF, SLOW, seed

runner = CliRunner()


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        seed(session)
    engine.dispose()


def test_at_risk_json_lists_every_open_dossier_with_the_documented_fields(
    cli_database: str,
) -> None:
    _seed(cli_database)
    result = runner.invoke(app, ["forecast", "at-risk", "--as-of", AS_OF.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["code"] for r in rows] == ["OPEN-SLOW", "OPEN-FAST"]
    assert {"code", "probability_late", "expected_finish_at", "reasons"} <= rows[0].keys()
    assert rows[0]["reasons"][0].startswith(f"bước {SLOW} thường mất")
    narrowed = runner.invoke(app, ["forecast", "at-risk", "--as-of", AS_OF.isoformat(),
                                   "--agency", "HUYEN", "--json"])
    assert [r["code"] for r in json.loads(narrowed.output)] == ["OPEN-FAST"]
    text = runner.invoke(app, ["forecast", "at-risk", "--as-of", "2026-03-20T09:00"])
    assert "Nguy cơ trễ hạn lúc 20/03/2026 09:00 (giờ Việt Nam)" in text.output
    assert f"– bước {SLOW} thường mất" in text.output


def test_at_risk_refuses_a_bad_instant_and_an_unknown_agency(cli_database: str) -> None:
    bad = runner.invoke(app, ["forecast", "at-risk", "--as-of", "hôm qua"])
    assert bad.exit_code == 2 and "--as-of 'hôm qua' is not an ISO 8601 instant" in bad.output
    unknown = runner.invoke(app, ["forecast", "at-risk", "--agency", "KHONG-CO"])
    assert unknown.exit_code == 2 and "KHONG-CO" in unknown.output


def test_backtest_json_has_scores_beside_the_countdown(cli_database: str) -> None:
    _seed(cli_database)
    start = (AS_OF - timedelta(days=110)).date().isoformat()
    end = (AS_OF - timedelta(days=60)).date().isoformat()
    result = runner.invoke(app, ["forecast", "backtest", "--from", start, "--to", end,
                                 "--every", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["pairs"] > 0 and report["instants"] > 5
    assert {"auc", "auc_countdown", "brier", "brier_base_rate", "brier_skill",
            "brier_countdown", "reliability", "share_flagged_early"} <= report.keys()
    backwards = runner.invoke(app, ["forecast", "backtest", "--from", end, "--to", start])
    assert backwards.exit_code == 2 and "--to must be after --from" in backwards.output
    bad = runner.invoke(app, ["forecast", "backtest", "--from", "2026-13-01", "--to", end])
    assert bad.exit_code == 2 and "is not a date" in bad.output
