"""`/giam-sat/nguy-co-tre-han`: open dossiers likely to end late, with Excel export; and
`/giam-sat/kiem-tra-du-bao`: the forecast's backtest, with its reliability plot (SVG).

The rows come from `app.forecast.service`, as in the API and the CLI."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from openpyxl.cell import WriteOnlyCell
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from app.api.deps import SessionDep
from app.core.clock import LOCAL_TZ, utcnow
from app.core.config import get_settings
from app.core.errors import ValidationFailed
from app.core.spreadsheet import append_row, new_workbook
from app.dashboard.access import Supervisor, page_context
from app.dashboard.errors import PageError
from app.dashboard.export import XLSX_MEDIA_TYPE, _chunks, bold_cells
from app.dashboard.templating import render
from app.dashboard.worklists import scope_for
from app.forecast import service
from app.forecast.backtest import BacktestReport
from app.forecast.forecasting import Forecast

router = APIRouter(prefix="/giam-sat", include_in_schema=False)
PATH = "/giam-sat/nguy-co-tre-han"
SHOWN = 200
EXPORTED = 20_000
HEADERS = ("Mã hồ sơ", "Mã thủ tục", "Mã cơ quan", "Bộ phận đang giữ", "Xác suất trễ hạn",
           "Hạn giải quyết", "Dự kiến hoàn thành", "Lý do")
PLOT = 280  # the reliability plot's square, SVG user units
MARGIN = 36


def _forecasts(session: SessionDep, principal: Supervisor, agency: str | None,
               limit: int) -> tuple[list[Forecast], int, datetime]:
    now = utcnow()
    scope = scope_for(session, principal, agency)
    threshold = get_settings().forecast_risk_threshold
    # the overdue list beside it already shows the dossiers past their due
    result = service.at_risk(session, now, agency_ids=scope, min_probability=threshold,
                             limit=limit, include_overdue=False)
    return result.items, result.open_dossiers, now


AgencyQ = Annotated[str | None, Query(max_length=255)]


@router.get("/nguy-co-tre-han")
def risk_page(request: Request, session: SessionDep, principal: Supervisor,
              agency: AgencyQ = None) -> Response:
    agency = (agency or "").strip() or None
    items, open_count, now = _forecasts(session, principal, agency, SHOWN)
    query = {"agency": agency} if agency else {}
    return render(request, "risk.html.j2", {
        **page_context(request, principal, "risk"),
        "items": items, "open_count": open_count, "now": now, "agency": agency or "",
        "threshold": get_settings().forecast_risk_threshold, "shown": SHOWN,
        "export_url": PATH + ".xlsx" + ("?" + urlencode(query) if query else ""),
    })


@router.get("/nguy-co-tre-han.xlsx")
def risk_export(session: SessionDep, principal: Supervisor, agency: AgencyQ = None) -> Response:
    agency = (agency or "").strip() or None
    items, _, now = _forecasts(session, principal, agency, EXPORTED)
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet("Nguy cơ trễ hạn")
    for index, width in enumerate((22, 12, 12, 30, 12, 17, 17, 90)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    append_row(sheet, bold_cells(sheet, ["Hồ sơ có nguy cơ trễ hạn"]))
    append_row(sheet, [f"Tính đến: {now.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y} (giờ Việt Nam); "
                       f"cơ quan: {agency or 'tất cả'}"])
    append_row(sheet, bold_cells(sheet, HEADERS))
    for f in items:
        cells: list[object] = [f.code, f.procedure, f.agency, f.unit, f.probability_late]
        for value in (f.due_at, f.expected_finish_at):
            cell = WriteOnlyCell(sheet, value.astimezone(LOCAL_TZ).replace(tzinfo=None))
            cell.number_format = "dd/mm/yyyy hh:mm"
            cells.append(cell)
        cells.append("; ".join(f.reasons))
        append_row(sheet, cells)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the task
    workbook.save(spool)
    name = f"ho-so-nguy-co-tre-han-{now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.xlsx"
    return StreamingResponse(_chunks(spool), media_type=XLSX_MEDIA_TYPE,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'},
                             background=BackgroundTask(spool.close))


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    r: float
    label: str


def plot_dots(report: BacktestReport) -> list[Dot]:
    """Each reliability row as a dot: forecast on x, observed on y, area by count."""
    biggest = max((row.count for row in report.reliability), default=1)
    return [
        Dot(x=MARGIN + row.mean_forecast * PLOT, y=MARGIN + (1 - row.observed_rate) * PLOT,
            r=3 + 9 * (row.count / biggest) ** 0.5,
            label=f"dự báo {row.mean_forecast:.0%}, thực tế {row.observed_rate:.0%}, "
                  f"{row.count} lượt")
        for row in report.reliability
    ]


def _day(value: str | None, fallback: date, name: str) -> date:
    if not value:
        return fallback
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PageError(400, f"“{value}” không phải ngày dạng YYYY-MM-DD ({name}).") from None


@router.get("/kiem-tra-du-bao")
def backtest_page(request: Request, session: SessionDep, principal: Supervisor,
                  tu: Annotated[str | None, Query(max_length=10)] = None,
                  den: Annotated[str | None, Query(max_length=10)] = None,
                  moi: Annotated[int, Query(ge=1, le=30)] = 5) -> Response:
    now = utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    start = _day(tu, today - timedelta(days=75), "từ ngày")
    end = _day(den, today - timedelta(days=30), "đến ngày")
    try:
        report = service.run_backtest(session, start, end, now, every_days=moi)
    except ValidationFailed as exc:
        raise PageError(400, f"Không kiểm tra được dự báo cho khoảng này: {exc}") from None
    return render(request, "backtest.html.j2", {
        **page_context(request, principal, "risk"),
        "report": report, "dots": plot_dots(report), "plot": PLOT, "margin": MARGIN,
        "start": start, "end": end, "every": moi,
    })
