"""What the forecast API and `--json` return: codes, instants (UTC), numbers; no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.forecast.backtest import BacktestReport
from app.forecast.forecasting import Forecast


class AtRiskEntry(BaseModel):
    code: str
    agency_code: str
    procedure_code: str
    unit: str = Field(description="Current step: the unit holding the dossier (PhongBanXuLy)")
    probability_late: float = Field(ge=0, le=1)
    expected_finish_at: datetime = Field(description="As of plus the median remaining time")
    due_at: datetime
    working_hours_left: float
    reasons: list[str] = Field(description="Main reasons, in Vietnamese")

    @classmethod
    def of(cls, f: Forecast) -> AtRiskEntry:
        return cls(code=f.code, agency_code=f.agency, procedure_code=f.procedure, unit=f.unit,
                   probability_late=f.probability_late, expected_finish_at=f.expected_finish_at,
                   due_at=f.due_at, working_hours_left=f.working_hours_left,
                   reasons=list(f.reasons))


class AtRiskPage(BaseModel):
    as_of: datetime
    open_dossiers: int
    learned_from: int = Field(description="Samples of finished dossiers the model rests on")
    items: list[AtRiskEntry]


def report_dict(report: BacktestReport) -> dict[str, Any]:
    """The backtest as JSON (`tthc forecast backtest --json`)."""
    return {
        "instants": report.instants, "pairs": report.pairs, "dossiers": report.dossiers,
        "base_rate": report.base_rate, "auc": report.auc,
        "auc_countdown": report.auc_countdown, "brier": report.brier,
        "brier_base_rate": report.brier_base_rate, "brier_skill": report.brier_skill,
        "brier_countdown": report.brier_countdown, "threshold": report.threshold,
        "late_dossiers": report.late_dossiers, "late_warnable": report.late_warnable,
        "late_flagged_early": report.late_flagged_early,
        "share_flagged_early": report.share_flagged_early,
        "reliability": [
            {"low": r.low, "high": r.high, "count": r.count, "mean_forecast": r.mean_forecast,
             "observed_rate": r.observed_rate} for r in report.reliability
        ],
    }
