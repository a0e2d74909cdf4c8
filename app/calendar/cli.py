"""`tthc calendar`: announced days off and make-up working days."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.table import Table

from app.calendar import service
from app.core.clock import utcnow
from app.core.errors import AppError
from app.core.progress import progress
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope
from app.deadlines.store.loaders import load_calendar

app = typer.Typer(
    help="Civil-service calendar overrides (days off, make-up working days).", no_args_is_help=True
)
console = make_console()


def _fail(exc: AppError) -> None:
    console.print(safe_markup("[red]error:[/red] {}", exc.reason))
    raise typer.Exit(code=1)


@app.command("add")
def add(
    day: str = typer.Argument(..., help="Date, YYYY-MM-DD."),
    kind: str = typer.Option(..., help="day_off or working_day."),
    reason: str = typer.Option(..., help="Why, e.g. 'Nghỉ do bão số 3'."),
    source: str = typer.Option(..., help="Source document, e.g. 'CV 123/UBND-VP'."),
    by: str = typer.Option("cli", help="Who adds it."),
) -> None:
    """Add an override; open dossiers' due times are recomputed."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        console.print(safe_markup("[red]error:[/red] {!r} is not a date (YYYY-MM-DD)", day))
        raise typer.Exit(code=2) from None
    now = utcnow()
    try:
        with session_scope() as session, progress("Tính lại thời hạn", "hồ sơ") as tracker:
            _, changed = service.add_override(
                session, day=parsed, kind=kind, reason=reason, source=source, created_by=by,
                now=now, progress=tracker,
            )
    except AppError as exc:
        _fail(exc)
    console.print(safe_markup(
        "[green]added[/green] {} {}; {} open dossiers recomputed", parsed.isoformat(), kind, changed
    ))


@app.command("remove")
def remove(day: str = typer.Argument(..., help="Date, YYYY-MM-DD.")) -> None:
    """Remove the override on DAY; open dossiers' due times are recomputed."""
    now = utcnow()
    try:
        with session_scope() as session, progress("Tính lại thời hạn", "hồ sơ") as tracker:
            _, changed = service.remove_override(
                session, date.fromisoformat(day), now, progress=tracker
            )
    except ValueError:
        console.print(safe_markup("[red]error:[/red] {!r} is not a date (YYYY-MM-DD)", day))
        raise typer.Exit(code=2) from None
    except AppError as exc:
        _fail(exc)
    console.print(safe_markup("[green]removed[/green] {}; {} open dossiers recomputed", day,
                              changed))


@app.command("list")
def list_(
    year: int | None = typer.Option(None, help="Only this year."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List overrides."""
    start = date(year, 1, 1) if year else None
    end = date(year + 1, 1, 1) if year else None
    with session_scope() as session:
        rows = [
            {"day": r.day.isoformat(), "kind": r.kind, "reason": r.reason, "source": r.source}
            for r in service.list_overrides(session, start, end)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("Ngày", "Loại", "Lý do", "Văn bản")
    for r in rows:
        add_data_row(table, r["day"], r["kind"], r["reason"], r["source"])
    console.print(table)


@app.command("show")
def show(
    start: str = typer.Argument(..., help="First date, YYYY-MM-DD."),
    end: str = typer.Argument(..., help="Last date, YYYY-MM-DD (inclusive)."),
) -> None:
    """Show each day between START and END: working or not, and why."""
    with session_scope() as session:
        calendar = load_calendar(session)
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    for info in calendar.days(first, last):
        mark = "làm việc" if info.is_working else "nghỉ"
        typer.echo(f"{info.to_text()} — {mark}")


@app.command("hours")
def hours(
    sessions: str | None = typer.Option(
        None, help="Set office hours, e.g. '07:00-11:00,13:30-17:00'. Without it: list them."
    ),
    effective_from: str = typer.Option(
        "2000-01-01", "--from", help="First day these hours apply (YYYY-MM-DD)."
    ),
    agency: str | None = typer.Option(None, help="Agency code or name; default: province-wide."),
) -> None:
    """List office hours, or set them for an agency from a date (summer/winter hours)."""
    from app.agencies import repository as agencies

    now = utcnow()
    try:
        with session_scope() as session:
            if sessions is None:
                for row in service.list_office_hours(session):
                    who = "mặc định" if row.agency_id is None else f"đơn vị #{row.agency_id}"
                    spans = ", ".join(f"{a}–{b}" for a, b in row.sessions)
                    typer.echo(f"{who} từ {row.effective_from:%d/%m/%Y}: {spans}")
                return
            agency_id = None
            if agency is not None:
                found = agencies.find(session, agency)
                if found is None:
                    console.print(safe_markup("[red]error:[/red] no agency with code or name {!r}",
                                              agency))
                    raise typer.Exit(code=1)
                agency_id = found.id
            with progress("Tính lại thời hạn", "hồ sơ") as tracker:
                _, changed = service.set_office_hours(
                    session,
                    agency_id=agency_id,
                    effective_from=date.fromisoformat(effective_from),
                    sessions=service.parse_sessions_text(sessions),
                    now=now,
                    progress=tracker,
                )
    except AppError as exc:
        _fail(exc)
    except ValueError:
        console.print(safe_markup("[red]error:[/red] --from {!r} is not a date (YYYY-MM-DD)",
                                  effective_from))
        raise typer.Exit(code=2) from None
    console.print(safe_markup("[green]office hours set[/green]; {} open dossiers recomputed",
                              changed))
