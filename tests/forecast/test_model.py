"""The remaining-time model: empirical tails, pooling toward coarser keys, the past-due rule."""

from __future__ import annotations

import numpy as np
import pytest

from app.forecast.model import SHRINK, Query, RemainingTimeModel, Segment


def _stays(totals: list[float], procedure: str = "P", agency: str = "A",
           unit: str = "Phòng X") -> list[Segment]:
    # one stay from the clock start to the finish: at legal hour 0 the remaining time is total
    return [Segment(procedure, agency, unit, 0.0, t, t) for t in totals]


def test_probability_is_the_share_of_like_dossiers_that_needed_more_than_the_time_left() -> None:
    # 40 dossiers of one key: 10 each needing 8, 16, 24 and 32 legal hours. With 20 hours left
    # at hour 0, 20 of 40 needed more: 0.5 at every level (all levels hold the same samples).
    model = RemainingTimeModel(_stays([8.0, 16.0, 24.0, 32.0] * 10))
    got = model.predict([Query("P", "A", "Phòng X", consumed=0.0, held=0.0, left=20.0)])
    assert got.probability_late[0] == pytest.approx(0.5)
    # the median of 8,16,24,32 (x10) by the upper-middle sample is 24
    assert got.median_remaining[0] == pytest.approx(24.0)
    # 33 hours left: nobody needed more
    none = model.predict([Query("P", "A", "Phòng X", consumed=0.0, held=0.0, left=33.0)])
    assert none.probability_late[0] == pytest.approx(0.0)


def test_a_thin_unit_is_pulled_toward_its_procedure_by_shrinkage() -> None:
    # The procedure's other unit: 60 dossiers, all done within 8 hours (never late with 20 left).
    # The thin unit: 5 dossiers, all needing 40 hours (always late with 20 left).
    model = RemainingTimeModel(_stays([8.0] * 60, unit="Phòng nhanh")
                               + _stays([40.0] * 5, unit="Phòng chậm"))
    got = model.predict([Query("P", "A", "Phòng chậm", 0.0, 0.0, 20.0)])
    # level "all" and "procedure": 5 of 65 late; then the unit levels (5 samples, all late)
    p = 5 / 65
    for _ in range(3):  # procedure × unit, × agency, × hours held: each 5 samples, all late
        p = (5 * 1.0 + SHRINK * p) / (5 + SHRINK)
    assert got.probability_late[0] == pytest.approx(p)
    assert 0.5 < got.probability_late[0] < 1.0  # says "likely", not "certain", on 5 dossiers


def test_never_seen_procedure_falls_back_to_everything_learned() -> None:
    model = RemainingTimeModel(_stays([8.0, 16.0, 24.0, 32.0] * 10))
    got = model.predict([Query("Q", "B", "Phòng Y", 0.0, 0.0, 20.0)])
    assert got.probability_late[0] == pytest.approx(0.5)


def test_a_dossier_already_past_its_due_is_late_whatever_remains() -> None:
    model = RemainingTimeModel(_stays([1.0] * 50))
    got = model.predict([Query("P", "A", "Phòng X", 10.0, 2.0, -0.5)])
    assert got.probability_late[0] == 1.0


def test_no_history_at_all_says_even_odds_rather_than_guessing() -> None:
    got = RemainingTimeModel([]).predict([Query("P", "A", "U", 0.0, 0.0, 8.0)])
    assert got.probability_late[0] == pytest.approx(0.5)
    assert np.isfinite(got.median_remaining[0])
