"""The forecast as of an instant, and the backtest over a period, on the stored dossiers.

Both read every dossier relevant to the instant (`repository.load_cases`) and hand them to the
pure `forecasting` / `backtest` modules, which ignore whatever was stamped after the instant.
The model learns from every agency (a small district learns from the province's habits through
the pooling); only the list is narrowed to the caller's agencies.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.errors import ValidationFailed
from app.deadlines.store.sync import load_context
from app.forecast import repository
from app.forecast.backlog import Backlog
from app.forecast.backtest import BacktestReport, backtest, instants_between
from app.forecast.forecasting import SETTLED_DAYS, Forecast, forecast, learn, open_at

#: Backtests replay at most this many instants (each learns the model again).
MAX_INSTANTS = 400


@dataclass(frozen=True)
class AtRisk:
    as_of: datetime
    items: list[Forecast]  # most at risk first
    learned_from: int  # samples the model rests on
    open_dossiers: int


def _since(as_of: datetime, learning_days: int) -> datetime:
    return as_of - timedelta(days=learning_days + SETTLED_DAYS)


def at_risk(
    session: Session,
    as_of: datetime,
    *,
    agency_ids: Collection[int] | None = None,
    min_probability: float = 0.0,
    limit: int | None = None,
    include_overdue: bool = True,
) -> AtRisk:
    """Open dossiers at `as_of` with their forecast, most likely late first; without those
    already past their due when `include_overdue` is False (the overdue list has them)."""
    settings = get_settings()
    context = load_context(session)
    cases = repository.load_cases(
        session, _since(as_of, settings.forecast_learning_days), as_of, context)
    backlog = Backlog(cases, as_of)
    model = learn(cases, as_of, context.calendar, backlog,
                  learning_days=settings.forecast_learning_days)
    snaps = open_at(cases, as_of)
    if agency_ids is not None:
        codes = repository.agency_codes(session, agency_ids)
        snaps = [s for s in snaps if s.case.agency in codes]
    items = [f for f in forecast(snaps, as_of, context.calendar, model, backlog)
             if f.probability_late >= min_probability
             and (include_overdue or f.working_hours_left > 0)]
    items.sort(key=lambda f: (-f.probability_late, f.due_at, f.code))
    return AtRisk(as_of, items[:limit] if limit is not None else items, model.sample_count,
                  len(snaps))


def run_backtest(
    session: Session, start: date, end: date, now: datetime, *, every_days: int = 1,
    threshold: float | None = None,
) -> BacktestReport:
    """Forecasts replayed at 09:00 on the working days of [start, end), scored with what is
    known at `now`."""
    if end <= start:
        raise ValidationFailed("--to must be after --from")
    settings = get_settings()
    context = load_context(session)
    instants = instants_between(context.calendar, start, end, every_days)
    if not instants:
        raise ValidationFailed("no working day in the period")
    if len(instants) > MAX_INSTANTS:
        raise ValidationFailed(f"{len(instants)} instants: at most {MAX_INSTANTS} "
                               "(raise --every or shorten the period)")
    if instants[-1] >= now:
        raise ValidationFailed("the period must end before now: outcomes are not known yet")
    cases = repository.load_cases(
        session, _since(instants[0], settings.forecast_learning_days), now, context)
    return backtest(
        cases, instants, now, context.calendar,
        threshold=threshold if threshold is not None else settings.forecast_risk_threshold,
        due_soon_hours=float(context.due_soon_hours),
    )
