"""`tthc dossier`: one dossier's deadline state and its explanation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer

from app.core.clock import local_text, parse_instant, utcnow
from app.core.errors import AppError
from app.core.terminal import make_console, safe_markup
from app.db.session import session_scope
from app.deadlines.explain_text import CLASSIFICATION_VI
from app.deadlines.store.sync import load_context
from app.dossiers import service, step_views
from connectors import STATUS_NAMES

app = typer.Typer(help="Dossiers: deadline state and explanation.", no_args_is_help=True)
console = make_console()

AS_OF_HELP = "Instant to evaluate at (ISO 8601; without offset = Vietnamese local time)."


def _as_of(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        return parse_instant(text)
    except ValueError:
        console.print(safe_markup("[red]error:[/red] --as-of {!r} is not an ISO 8601 instant",
                                  text))
        raise typer.Exit(code=2) from None


def _line(item: dict[str, Any]) -> str:
    """One dossier as a supervisor reads it: status and class by name, times in Vietnam."""
    status = STATUS_NAMES.get(item["status"], "không rõ")
    due = item["due_at"]
    parts = [
        safe_markup("[bold]{}[/bold]", item["code"]),
        safe_markup("{} (mã {})", status, item["status"]),
        safe_markup("hạn {}", local_text(datetime.fromisoformat(due)) if due else "chưa xác định"),
        safe_markup("{}", CLASSIFICATION_VI.get(item["classification"],
                                                str(item["classification"]))),
    ]
    if item["appointment_mismatch"]:
        portal = item["portal_due_at"]
        when = local_text(datetime.fromisoformat(portal)) if portal else "—"
        parts.append(safe_markup("[yellow]lệch ngày hẹn (cổng hẹn {})[/yellow]", when))
    if item["late_without_apology"]:
        parts.append("[red]quá hạn chưa có phiếu xin lỗi[/red]")
    return " · ".join(parts)


@app.command("show")
def show(
    codes: list[str] = typer.Argument(..., help="Dossier codes."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """Show each dossier's status, due time (Vietnamese time), classification and appointment
    mismatch; --json keeps the English keys and UTC instants."""
    instant = _as_of(as_of)
    summaries = []
    missing = []
    with session_scope() as session:
        context = load_context(session)
        for code in codes:
            try:
                state = service.state_of(session, code, instant, context=context)
            except AppError as exc:
                missing.append(exc.reason)
                continue
            timeline = step_views.timeline_of_state(session, state, context)
            summaries.append({**service.state_summary(state),
                              **step_views.steps_summary(timeline)})
    if as_json:
        typer.echo(json.dumps(summaries, ensure_ascii=False, indent=2))
    else:
        for item in summaries:
            console.print(_line(item), highlight=False, soft_wrap=True)
    for reason in missing:
        typer.echo(f"error: {reason}", err=True)
    if missing:
        raise typer.Exit(code=1)


@app.command("explain")
def explain(
    code: str = typer.Argument(..., help="Dossier code."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the structured explanation."),
) -> None:
    """Explain the due time step by step, so a supervisor can check the arithmetic by hand."""
    instant = _as_of(as_of)
    try:
        with session_scope() as session:
            view = service.detail(session, code, instant, None, with_applicant=False)
            explanation, timeline = view.explanation, view.steps
    except AppError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        out = {**explanation.to_dict(), **step_views.steps_summary(timeline)}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        typer.echo(f"Hồ sơ {code}")
        typer.echo(explanation.to_text())
        typer.echo(step_views.steps_text(timeline))
