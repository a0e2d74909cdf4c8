"""`tthc forecast`: dossiers at risk of finishing late, and the backtest of the forecast."""

from __future__ import annotations

import json
from datetime import date, datetime

import typer

from app.agencies.service import narrow_scope
from app.core.clock import local_text, parse_instant, utcnow
from app.core.errors import AppError
from app.db.session import session_scope
from app.forecast import service
from app.forecast.schemas import AtRiskEntry, report_dict
from app.forecast.wording import days

app = typer.Typer(help="Breach-risk forecast: at-risk list and backtest.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _instant(text: str | None, option: str) -> datetime:
    if text is None:
        return utcnow()
    try:
        return parse_instant(text)
    except ValueError:
        raise _fail(f"{option} {text!r} is not an ISO 8601 instant") from None


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("at-risk")
def at_risk_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Instant (ISO 8601; no offset = "
                                     "Vietnamese local time). Default: now."),
    agency: str | None = typer.Option(None, "--agency", help="Agency code or name."),
    min_probability: float = typer.Option(0.0, "--min", min=0.0, max=1.0,
                                          help="Only dossiers at least this likely late."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many."),
    in_time: bool = typer.Option(False, "--in-time", help="Leave out dossiers already overdue."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (English keys, UTC)."),
) -> None:
    """Every dossier open at the instant, most likely late first, from what was known then."""
    instant = _instant(as_of, "--as-of")
    try:
        with session_scope() as session:
            scope = narrow_scope(session, None, agency)
            result = service.at_risk(session, instant, agency_ids=scope,
                                     min_probability=min_probability, limit=limit,
                                     include_overdue=not in_time)
    except AppError as exc:
        raise _fail(str(exc)) from None
    entries = [AtRiskEntry.of(f) for f in result.items]
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json", include={
            "code", "probability_late", "expected_finish_at", "reasons", "due_at", "unit",
            "agency_code", "procedure_code"}) for e in entries], ensure_ascii=False))
        return
    typer.echo(f"Nguy cơ trễ hạn lúc {local_text(instant)} (giờ Việt Nam): "
               f"{result.open_dossiers} hồ sơ đang giải quyết")
    for e in entries:
        typer.echo(f"{e.code}  {e.probability_late:>4.0%}  hạn {local_text(e.due_at)}  "
                   f"dự kiến xong {local_text(e.expected_finish_at)}  "
                   f"(còn {days(e.working_hours_left)} ngày làm việc)")
        for reason in e.reasons:
            typer.echo(f"    – {reason}")


@app.command("backtest")
def backtest_command(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, local)."),
    end: str = typer.Option(..., "--to", help="Day after the last (exclusive)."),
    every: int = typer.Option(1, "--every", min=1, help="Every N-th working day."),
    threshold: float | None = typer.Option(None, "--threshold", min=0.01, max=0.99,
                                           help="Risk that counts as a flag (default: "
                                           "TTHC_FORECAST_RISK_THRESHOLD)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Replay forecasts at 09:00 of each working day and score them against what happened,
    beside the due-soon countdown."""
    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        with session_scope() as session:
            report = service.run_backtest(session, first, last, utcnow(), every_days=every,
                                          threshold=threshold)
    except AppError as exc:
        raise _fail(str(exc)) from None
    data = report_dict(report)
    if as_json:
        typer.echo(json.dumps(data))
        return
    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}".replace(".", ",")
    typer.echo(f"Kiểm tra lại dự báo: {report.instants} thời điểm, {report.pairs} lượt dự báo, "
               f"{report.dossiers} hồ sơ; tỷ lệ trễ {num(report.base_rate)}")
    typer.echo(f"  AUC dự báo {num(report.auc)} · đếm ngược hạn {num(report.auc_countdown)}")
    typer.echo(f"  Brier dự báo {num(report.brier)} · tỷ lệ nền {num(report.brier_base_rate)} "
               f"· đếm ngược {num(report.brier_countdown)} · kỹ năng {num(report.brier_skill)}")
    typer.echo(f"  Cảnh báo sớm ≥ 1 ngày làm việc trước 'sắp đến hạn': "
               f"{report.late_flagged_early}/{report.late_warnable} hồ sơ trễ còn kịp cảnh báo "
               f"(trong {report.late_dossiers} hồ sơ trễ; ngưỡng {report.threshold:.0%})")
    typer.echo("  Độ tin cậy (dự báo → thực tế, số lượt):")
    for row in report.reliability:
        typer.echo(f"    {row.low:.1f}–{row.high:.1f}: {num(row.mean_forecast)} → "
                   f"{num(row.observed_rate)}  ({row.count})")
