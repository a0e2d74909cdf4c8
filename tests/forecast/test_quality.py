"""On a generated year and a half of history whose lateness comes from slow, crowded units
(`connectors.simulator.structured`), the forecast replayed day by day beats the due-soon
countdown: it ranks the dossiers that really ended late higher (AUC), it is calibrated (Brier
skill over the base rate), and it warns about most late dossiers at least one working day
before the due-soon rule would.

The generator is the simulator's; the forecast never sees its parameters (which units are slow,
the Tết peak), only the step histories it produced.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.forecast.backtest import BacktestReport, backtest, instants_between
from tests.forecast.world import CALENDAR, world

NOW = datetime(2026, 6, 30, 10, tzinfo=UTC)
THRESHOLD = 0.25  # TTHC_FORECAST_RISK_THRESHOLD's default


@pytest.fixture(scope="module")
def report() -> BacktestReport:
    cases = world(NOW, days=540, scale=1.5)
    # every working day of three weeks after the Tết peak, when backlogs drain
    instants = instants_between(CALENDAR, date(2026, 3, 9), date(2026, 3, 28))
    return backtest(cases, instants, NOW, CALENDAR, threshold=THRESHOLD)


def test_it_ranks_late_dossiers_above_the_countdown(report: BacktestReport) -> None:
    assert report.pairs > 2000 and 0.1 < report.base_rate < 0.6
    assert report.auc is not None and report.auc_countdown is not None
    assert report.auc > report.auc_countdown + 0.03


def test_it_is_calibrated_better_than_the_base_rate(report: BacktestReport) -> None:
    assert report.brier_skill is not None and report.brier_skill > 0.2
    # and far better than the countdown's own 0/1 flag
    assert report.brier < report.brier_countdown
    # the bins with many forecasts sit near the diagonal
    for row in report.reliability:
        if row.count >= 200:
            assert abs(row.mean_forecast - row.observed_rate) < 0.2, row


def test_it_warns_about_most_late_dossiers_a_working_day_before_due_soon(
    report: BacktestReport,
) -> None:
    assert report.late_dossiers >= report.late_warnable > 60
    share = report.share_flagged_early
    assert share is not None and share > 0.5
