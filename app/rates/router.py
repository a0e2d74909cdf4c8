"""`/api/v1/rates`, `/api/v1/reports/period` (viewer or above, scoped) and the public
`/api/v1/public/rates` (no token; aggregates per agency and month only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import SessionDep, SettingsDep
from app.auth.deps import Principal, require_roles
from app.core.clock import to_local, utcnow
from app.rates.cache import PublicCacheDep
from app.rates.export import to_csv, to_xlsx
from app.rates.schemas import ExportFormat, GroupBy, PeriodReport, PublicRates, UnitRate
from app.rates.service import (
    check_public_period,
    local_day_start,
    period_report,
    public_rates,
    resolve_scope,
)
from app.rates.units import unit_rates

router = APIRouter(prefix="/api/v1", tags=["rates"])
Viewer = Annotated[Principal, Depends(require_roles("viewer"))]
FromDate = Annotated[date, Query(alias="from", description="first local day of the period")]
ToDate = Annotated[date, Query(alias="to", description="day after the period (exclusive)")]
OptionalFrom = Annotated[
    date | None, Query(alias="from", description="first local day (default: this month's 1st)")
]
OptionalTo = Annotated[
    date | None, Query(alias="to", description="day after the period (default: tomorrow)")
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def current_period(from_date: date | None, to_date: date | None) -> tuple[datetime, datetime]:
    """The period asked for; a missing end is the current month so far (local days)."""
    today = to_local(utcnow()).date()
    start = local_day_start(from_date or today.replace(day=1))
    end = local_day_start(to_date or today + timedelta(days=1))
    return start, end


@router.get("/rates", response_model=PeriodReport)
def rates(
    principal: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    from_date: OptionalFrom = None,
    to_date: OptionalTo = None,
    group_by: GroupBy | None = None,
    agency: Annotated[str | None, Query(description="agency code: its subtree")] = None,
) -> PeriodReport:
    """Rates for a period (default: the current month so far), without processing times."""
    start, end = current_period(from_date, to_date)
    return period_report(
        session,
        start=start,
        end=end,
        group_by=group_by,
        scope=resolve_scope(session, principal.agency_ids, agency),
        settings=settings,
        with_processing_times=False,
    )


@router.get(
    "/reports/period",
    response_model=PeriodReport,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
def report(
    principal: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    from_date: FromDate,
    to_date: ToDate,
    group_by: GroupBy | None = None,
    agency: Annotated[str | None, Query(description="agency code: its subtree")] = None,
    format: ExportFormat = "json",
) -> PeriodReport | Response:
    """The period report (Biểu II.06a) as JSON, CSV or XLSX, counting only the caller's agencies."""
    result = period_report(
        session,
        start=local_day_start(from_date),
        end=local_day_start(to_date),
        group_by=group_by,
        scope=resolve_scope(session, principal.agency_ids, agency),
        settings=settings,
    )
    name = f"bao-cao-{from_date.isoformat()}-{to_date.isoformat()}"
    if format == "csv":
        return Response(
            to_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            to_xlsx(result),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return result


@router.get("/rates/units", response_model=list[UnitRate])
def units(
    principal: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    from_date: OptionalFrom = None,
    to_date: OptionalTo = None,
    agency: Annotated[str | None, Query(description="agency code: its subtree")] = None,
) -> list[UnitRate]:
    """On-time rate by processing unit (DEADLINES.md §8): the steps finished in the period
    (default: the current month so far), per unit and agency, best rate first."""
    start, end = current_period(from_date, to_date)
    scope = resolve_scope(session, principal.agency_ids, agency)
    return unit_rates(session, start, end, scope, settings.small_sample_threshold)


@router.get("/public/rates", response_model=PublicRates)
def public(
    session: SessionDep,
    settings: SettingsDep,
    cache: PublicCacheDep,
    from_date: OptionalFrom = None,
    to_date: OptionalTo = None,
) -> PublicRates:
    """Public aggregates per agency and month (default: the current month so far); no token,
    no personal data. An answer is reused for TTHC_PUBLIC_CACHE_SECONDS."""
    start, end = current_period(from_date, to_date)
    check_public_period(start, end)  # refused before the cache: errors are not kept
    return cache.get(("public_rates", start, end),
                     lambda: public_rates(session, start=start, end=end, settings=settings))
