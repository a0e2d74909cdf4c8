"""`tthc senders`: register a one-door system, list senders, revoke one."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from app.core.clock import to_local, utcnow
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope
from app.senders import service

app = typer.Typer(help="Sending systems (OpenCPS, TD.DichVuCong, VNPT, Viettel...).",
                  no_args_is_help=True)
console = make_console(highlight=False)
err = make_console(stderr=True, highlight=False)


def _fail(exc: AppError) -> typer.Exit:
    err.print(safe_markup("[red]error:[/red] {}", exc.reason))
    return typer.Exit(code=1)


@app.command("add")
def add(
    name: str = typer.Option(..., help="Sender name, also its username (letters, digits, .-_)."),
    agency: str | None = typer.Option(
        None, help="Agency code its records belong to when they name none."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the credentials as JSON."),
) -> None:
    """Register a sender and print its credentials once: they are stored hashed only."""
    try:
        with session_scope() as session:
            credentials = service.add_sender(session, name, agency, utcnow())
    except AppError as exc:
        raise _fail(exc) from exc
    data = credentials.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(safe_markup("sender [bold]{}[/bold] registered; these are shown only once:",
                              name))
    for key in ("username", "password", "url_key"):
        console.print(safe_markup("  {}: {}", key, data[key]))
    for key, path in data["endpoints"].items():
        console.print(safe_markup("  {}: {}", key, path))


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
    """Senders with their last delivery and the last week's traffic (no secrets)."""
    with session_scope() as session:
        rows = service.list_senders(session, utcnow())
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("no senders; register one with `tthc senders add --name NAME`")
        return
    table = Table("name", "agency", "key", "state", "last delivery (giờ VN)",
                  safe_markup("deliveries/day ({} d)", service.STATS_DAYS), "records refused",
                  "anomalies")
    for r in rows:
        last = to_local(r.last_delivery_at).strftime("%d/%m/%Y %H:%M") if r.last_delivery_at \
            else "—"
        add_data_row(table, r.name, r.agency or "—", f"{r.url_key_prefix}…",
                     "revoked" if r.revoked_at else "active", last, str(r.deliveries_per_day),
                     str(r.records_refused), str(r.anomalies))
    console.print(table)


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="Sender name.")) -> None:
    """Revoke a sender: its sessions and URL key stop working at once."""
    try:
        with session_scope() as session:
            _, ended = service.revoke_sender(session, name, utcnow())
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(safe_markup("sender {} revoked; {} session(s) ended", name, ended))
