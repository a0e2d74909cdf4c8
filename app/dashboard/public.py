"""`/`: the public page. On-time rate per agency and by month (from the rates service) and the
published apologies (from the notices service, names masked). Nothing here needs a login, so
nothing here may carry personal data: only counts, rates and masked names. Anyone may ask for it
at any rate: its figures are computed once per TTHC_PUBLIC_CACHE_SECONDS (app/rates/cache.py);
the apologies are read on every request (one short indexed query), so a notice a supervisor has
just published is on the page at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.api.deps import SessionDep, SettingsDep
from app.core.clock import LOCAL_TZ, utcnow
from app.core.config import Settings
from app.dashboard.charts import agency_bars, month_trend
from app.dashboard.errors import page_errors
from app.dashboard.templating import render
from app.notices.listing import public_apologies
from app.rates.cache import PublicCacheDep
from app.rates.grouping import Scope
from app.rates.service import period_report

router = APIRouter(include_in_schema=False)

PERIODS = {3: "3 tháng", 6: "6 tháng", 12: "12 tháng", 24: "24 tháng"}
DEFAULT_MONTHS = 12
APOLOGY_COUNT = 20


def period_start(now: datetime, months: int) -> datetime:
    """Midnight (local) of the first day of the month `months - 1` months before `now`'s."""
    local = now.astimezone(LOCAL_TZ).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        local = (local - timedelta(days=1)).replace(day=1)
    return local


def page_figures(session: Session, settings: Settings, months: int) -> dict[str, Any]:
    # The period ends now, not at the month's end: a future end would count dossiers that are
    # not yet due as overdue. Its complete months come from the rollup, the current one live.
    end = utcnow()
    start = period_start(end, months)
    with page_errors("Không tính được tỷ lệ giải quyết đúng hạn."):
        by_agency = period_report(
            session, start=start, end=end, group_by="agency", scope=Scope(None),
            settings=settings, with_processing_times=False,
        )
        by_month = period_report(
            session, start=start, end=end, group_by="month", scope=Scope(None),
            settings=settings, with_processing_times=False,
        )
    return {
        "start": start,
        "end": end,
        "total": by_agency,
        "bars": agency_bars(by_agency.groups or []),
        "trend": month_trend(by_month.groups or []),
    }


@router.get("/")
def home(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cache: PublicCacheDep,
    months: Annotated[int, Query(alias="so_thang")] = DEFAULT_MONTHS,
) -> Response:
    if months not in PERIODS:
        months = DEFAULT_MONTHS
    figures = cache.get(("home", months), lambda: page_figures(session, settings, months))
    with page_errors("Không đọc được danh sách phiếu xin lỗi."):
        apologies = public_apologies(session, limit=APOLOGY_COUNT)
    return render(
        request,
        "public.html.j2",
        {
            **figures,
            "apologies": apologies.items,
            "months": months,
            "periods": PERIODS,
            "threshold": settings.small_sample_threshold,
        },
        headers={"Cache-Control": "public, max-age=60"},
    )
