"""rates.query: the year's report grouped by agency (rollup) vs the naive GROUP BY over dossiers.

rates.public_page: the figures of the public page (`/`: the last 12 months up to "now", by
agency and by month), complete months from the rollup and the current month live, against the
same two reports recounted from every dossier, as the page did while its period ending "now"
kept it off the rollup. Computed without the page's cache, which would hide both.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from unittest import mock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.core.config import Settings
from app.dashboard.public import period_start
from app.db.session import make_engine, make_session_factory
from app.models import Dossier, RateRollup
from app.rates import repository
from app.rates.grouping import Scope
from app.rates.rollups import service as rollups
from app.rates.service import local_day_start, period_report
from bench.results import Result, result

#: The public page's "now": mid-December, so the live month holds a month of the year's activity.
PAGE_NOW = datetime(2025, 12, 16, 10, 0, tzinfo=LOCAL_TZ)


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


def _page_figures(session: Session, settings: Settings) -> object:
    start = period_start(PAGE_NOW, 12)
    return [
        period_report(session, start=start, end=PAGE_NOW, group_by=group_by, scope=Scope(None),
                      settings=settings, with_processing_times=False)
        for group_by in ("agency", "month")
    ]


def run_public(url: str) -> Result:
    engine = make_engine(url)
    settings = Settings(database_url=url)
    with make_session_factory(engine)() as session:
        n = int(session.scalar(select(func.count()).select_from(Dossier)) or 0)

        def ours() -> object:
            return _page_figures(session, settings)

        def recount() -> object:
            with mock.patch.object(rollups, "count_dossiers", lambda *a, **k: None):
                return _page_figures(session, settings)

        if ours() != recount():
            raise AssertionError("the public page's figures differ from the recount")
        ours_s, base_s = _median(ours), _median(recount)
    engine.dispose()
    return result("rates.public_page", n, ours_s, "same figures recounted from all dossiers",
                  base_s, goal="<=0.25",
                  note=f"12 months to {PAGE_NOW:%Y-%m-%d %H:%M}, by agency and by month, uncached")
