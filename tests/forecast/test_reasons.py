"""A forecast's reasons are worded from the unrounded working time left; the rounded figure is
only what lists show."""

from __future__ import annotations

from datetime import UTC, datetime

from app.forecast.forecasting import Forecast

DUE = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def _forecast(hours_left: float) -> Forecast:
    return Forecast(
        code="H21.10-260401-0001", agency="H21.10", procedure="1.000001", unit="Phòng Tư pháp",
        probability_late=0.9, expected_finish_at=DUE, due_at=DUE,
        working_hours_left=round(hours_left, 2), samples=40, typical_stay=None, held_hours=1.0,
        hours_left=hours_left, median_remaining=16.0, unit_backlog=0,
    )


def test_a_dossier_with_seconds_left_is_not_worded_overdue() -> None:
    # 0.0028 h (10 s) left rounds to 0.00 in the list; the dossier is not past its due yet
    reasons = _forecast(0.0028).reasons
    assert reasons[0].startswith("còn 0 ngày làm việc đến hạn")
    assert not any("quá hạn" in r for r in reasons)

