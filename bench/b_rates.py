"""rates.query: the year's report grouped by agency (rollup) vs the naive GROUP BY over dossiers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from app.core.config import Settings
from app.db.session import make_engine, make_session_factory
from app.models import Dossier, RateRollup
from app.rates import repository
from app.rates.grouping import Scope
from app.rates.service import local_day_start, period_report
from bench.results import Result, result


def _median(fn: Callable[[], object], repeat: int = 7) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def run(url: str) -> Result:
    engine = make_engine(url)
    start, end = local_day_start(date(2025, 1, 1)), local_day_start(date(2026, 1, 1))
    settings = Settings(database_url=url)
    with make_session_factory(engine)() as session:
        n = int(session.scalar(select(func.count()).select_from(Dossier)) or 0)
        rows = int(session.scalar(select(func.count()).select_from(RateRollup)) or 0)

        def ours() -> object:
            return period_report(session, start=start, end=end, group_by="agency",
                                 scope=Scope(None), settings=settings,
                                 with_processing_times=False)

        def naive() -> object:
            return repository.count_dossiers(session, start, end, group_by="agency",
                                             agency_ids=None)

        ours(), naive()  # warm the caches on both sides alike
        ours_s, base_s = _median(ours), _median(naive)
    engine.dispose()
    return result("rates.query", n, ours_s, "naive GROUP BY agency over all dossiers", base_s,
                  goal="<=0.05", note=f"year 2025 by agency, whole report; rollup {rows:,} rows")
