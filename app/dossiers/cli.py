"""`tthc dossier`: one dossier's deadline state and its explanation."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console

from app.core.clock import parse_instant, utcnow
from app.core.errors import AppError
from app.db.session import session_scope
from app.dossiers import service
from app.dossiers.deadline_sync import load_context

app = typer.Typer(help="Dossiers: deadline state and explanation.", no_args_is_help=True)
console = Console()

AS_OF_HELP = "Instant to evaluate at (ISO 8601; without offset = Vietnamese local time)."


def _as_of(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        return parse_instant(text)
    except ValueError:
        console.print(f"[red]error:[/red] --as-of {text!r} is not an ISO 8601 instant")
        raise typer.Exit(code=2) from None


@app.command("show")
def show(
    codes: list[str] = typer.Argument(..., help="Dossier codes."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    as_of: str | None = typer.Option(None, "--as-of", help=AS_OF_HELP),
) -> None:
    """Show each dossier's status, due time, classification and appointment mismatch."""
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
            summaries.append(service.state_summary(state))
    if as_json:
        typer.echo(json.dumps(summaries, ensure_ascii=False, indent=2))
    else:
        for item in summaries:
            console.print(
                f"[bold]{item['code']}[/bold] trạng thái {item['status']} · hạn {item['due_at']} "
                f"· {item['classification']}"
                + (" · [yellow]lệch ngày hẹn[/yellow]" if item["appointment_mismatch"] else "")
            )
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
            context = load_context(session)
            state = service.state_of(session, code, instant, context=context)
            explanation = service.explain_state(session, state, context)
    except AppError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(f"Hồ sơ {code}")
        typer.echo(explanation.to_text())
