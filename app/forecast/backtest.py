"""Replaying forecasts over a past period and scoring them against what happened (pure).

At each instant the model is learned again from what was finished by then, and every dossier
open then is forecast from what was known then; the outcome (ended late or not) is read at
`observed_at`, with everything known by that time. Dossiers whose outcome is still unknown (open
and not yet due, or waiting for the applicant) are left out of the scores.

The baseline is the due-soon countdown on the same (dossier, instant) pairs: its ranking is the
working time left (less left = more at risk), its forecast the due-soon flag itself (0 or 1).
Scores come from scikit-learn (`roc_auc_score`, `brier_score_loss`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from app.core.clock import LOCAL_TZ
from app.deadlines import WORKING_DAY_HOURS
from app.deadlines.batch import Subject, evaluate_many
from app.deadlines.calendar import CivilServiceCalendar
from app.forecast.backlog import Backlog
from app.forecast.forecasting import LearnedCache, forecast, learn, open_at
from app.forecast.history import Case, SnapshotCache, snapshot

LATE_CLASSES = frozenset({"late", "overdue"})
IN_TIME_CLASSES = frozenset({"early", "on_time"})
FORECAST_HOUR = time(9, 0)
RELIABILITY_BINS = 10


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    low: float
    high: float
    count: int
    mean_forecast: float
    observed_rate: float


@dataclass(frozen=True)
class BacktestReport:
    instants: int
    pairs: int  # (dossier, instant) pairs with a known outcome
    dossiers: int
    base_rate: float
    auc: float | None
    auc_countdown: float | None
    brier: float
    brier_base_rate: float
    brier_skill: float | None
    brier_countdown: float
    threshold: float
    late_dossiers: int
    # late dossiers forecast at least once while more than a working day remained before the
    # due-soon rule would fire (the others could not be warned about earlier than it)
    late_warnable: int
    late_flagged_early: int  # flagged >= one working day before the due-soon rule fires
    reliability: list[ReliabilityRow] = field(default_factory=list)

    @property
    def share_flagged_early(self) -> float | None:
        return self.late_flagged_early / self.late_warnable if self.late_warnable else None


def instants_between(calendar: CivilServiceCalendar, start: date, end: date,
                     every_days: int = 1) -> list[datetime]:
    """09:00 local on every `every_days`-th working day in [start, end)."""
    days = list(calendar.working_days(start, end - timedelta(days=1)))
    return [datetime.combine(d, FORECAST_HOUR, LOCAL_TZ) for d in days[::max(every_days, 1)]]


def outcomes(cases: Sequence[Case], observed_at: datetime,
             calendar: CivilServiceCalendar) -> dict[str, bool]:
    """Code → ended late, for the dossiers whose outcome is known at `observed_at`."""
    snaps = [snapshot(c, observed_at) for c in cases if c.received_at <= observed_at]
    results = evaluate_many(
        [Subject(received_at=s.case.received_at, rule=s.case.rule, events=s.reading.events,
                 hours=s.case.hours, portal_due_at=s.case.portal_due_at,
                 status=s.reading.status, finished_at=s.reading.finished_at,
                 returned_at=s.reading.returned_at) for s in snaps],
        calendar, as_of=observed_at,
    )
    known: dict[str, bool] = {}
    for snap, result in zip(snaps, results, strict=True):
        if result.classification in LATE_CLASSES:
            known[snap.case.code] = True
        elif result.classification in IN_TIME_CLASSES:
            known[snap.case.code] = False
    return known


def reliability(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> list[ReliabilityRow]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append(ReliabilityRow(float(edges[b]), float(edges[b + 1]), int(inside.sum()),
                                       float(p[inside].mean()), float(y[inside].mean())))
    return rows


def backtest(
    cases: Sequence[Case], instants: Sequence[datetime], observed_at: datetime,
    calendar: CivilServiceCalendar, *, threshold: float,
    due_soon_hours: float = WORKING_DAY_HOURS,
) -> BacktestReport:
    # imported here: scikit-learn takes seconds to import, and the API server and every CLI
    # command import this module without ever running a backtest
    from sklearn.metrics import brier_score_loss, roc_auc_score

    labels = outcomes(cases, observed_at, calendar)
    ys: list[float] = []
    ps: list[float] = []
    lefts: list[float] = []
    first_flag_left: dict[str, float] = {}
    late_seen: set[str] = set()
    warnable: set[str] = set()
    early_left = due_soon_hours + WORKING_DAY_HOURS
    codes: set[str] = set()
    cache: SnapshotCache = {}
    learned: LearnedCache = {}
    for instant in sorted(instants):
        backlog = Backlog(cases, instant)
        model = learn(cases, instant, calendar, backlog, cache=cache, learned=learned)
        snaps = open_at(cases, instant, cache)
        for f in forecast(snaps, instant, calendar, model, backlog):
            label = labels.get(f.code)
            if label is None:
                continue
            codes.add(f.code)
            ys.append(float(label))
            ps.append(f.probability_late)
            lefts.append(f.working_hours_left)
            if label:
                late_seen.add(f.code)
                if f.working_hours_left >= early_left:
                    warnable.add(f.code)
                if f.probability_late >= threshold and f.code not in first_flag_left:
                    first_flag_left[f.code] = f.working_hours_left
    y, p, left = np.asarray(ys), np.asarray(ps), np.asarray(lefts)
    two_classes = len(set(ys)) == 2
    base = float(y.mean()) if len(y) else 0.0
    brier_base = base * (1 - base)
    brier = float(brier_score_loss(y, p)) if len(y) else 0.0
    countdown_flag = (left <= due_soon_hours).astype(float)
    # The due-soon rule fires `due_soon_hours` before the due: flagged a working day before it
    # means flagged with at least due_soon_hours + one working day left.
    early = sum(1 for v in first_flag_left.values() if v >= early_left)
    return BacktestReport(
        instants=len(instants), pairs=len(y), dossiers=len(codes), base_rate=base,
        auc=float(roc_auc_score(y, p)) if two_classes else None,
        auc_countdown=float(roc_auc_score(y, -left)) if two_classes else None,
        brier=brier, brier_base_rate=brier_base,
        brier_skill=1 - brier / brier_base if brier_base > 0 else None,
        brier_countdown=float(brier_score_loss(y, countdown_flag)) if len(y) else 0.0,
        threshold=threshold, late_dossiers=len(late_seen), late_warnable=len(warnable),
        late_flagged_early=early,
        reliability=reliability(y, p) if len(y) else [],
    )
