"""`tthc agencies`: the agency tree that rates roll up along."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from app.agencies import repository, service
from app.core.clock import utcnow
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope

app = typer.Typer(help="Agencies and their hierarchy.", no_args_is_help=True)
console = make_console()


@app.command("add")
def add(
    code: str = typer.Argument(..., help="Agency code, e.g. H21.65."),
    name: str = typer.Argument(..., help="Name, e.g. 'UBND huyện Đông Hưng'."),
    parent: str | None = typer.Option(None, help="Parent agency code or name."),
    governing_body: str | None = typer.Option(None, help="ĐƠN VỊ CHỦ QUẢN on notices."),
    place: str | None = typer.Option(None, help="Place on notices' date line."),
    notice_symbol: str | None = typer.Option(
        None, help="Abbreviation in notice numbers, e.g. UBND -> 01/PXL-UBND (default: initials)."
    ),
    signer_name: str | None = typer.Option(
        None, help="Who signs its notices, e.g. 'Trần Văn Hùng'."
    ),
    signer_title: str | None = typer.Option(
        None, help="The signer's title; ' / ' breaks lines: 'KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC'."
    ),
) -> None:
    """Add or update an agency (every option is set as given: omitted ones are cleared)."""
    try:
        with session_scope() as session:
            _, outcome = service.upsert_agency(
                session,
                code=code,
                name=name,
                parent_code=parent,
                governing_body=governing_body,
                place=place,
                notice_symbol=notice_symbol,
                signer_name=signer_name,
                signer_title=signer_title,
                now=utcnow(),
            )
    except AppError as exc:
        console.print(safe_markup("[red]error:[/red] {}", exc.reason))
        raise typer.Exit(code=1) from None
    console.print(safe_markup("[green]{}[/green] {}", outcome, code))


@app.command("import")
def import_(
    path: Path = typer.Argument(
        ...,
        help="JSON list of {code, name, parent_code, governing_body, place, notice_symbol, "
        "signer_name, signer_title} (only code and name are required).",
    ),
) -> None:
    """Import agencies from a JSON list (re-import updates in place)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        console.print(safe_markup("[red]error:[/red] cannot read {}: {}", path, exc))
        raise typer.Exit(code=1) from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        console.print("[red]error:[/red] the file must hold a JSON list of objects")
        raise typer.Exit(code=1)
    with session_scope() as session:
        report = service.import_agencies(session, rows, utcnow())
    console.print(safe_markup(
        "created {}, updated {}, unchanged {}, problems {}",
        report.created, report.updated, report.unchanged, len(report.problems),
    ))
    for problem in report.problems:
        console.print(safe_markup("[yellow]{}[/yellow]", problem))


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List agencies with their parents."""
    with session_scope() as session:
        agencies = repository.list_all(session)
        by_id = {a.id: a.code for a in agencies}
        rows = [
            {
                "code": a.code,
                "name": a.name,
                "parent_code": by_id.get(a.parent_id or 0),
                "auto_created": a.auto_created,
            }
            for a in agencies
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("Mã", "Tên đơn vị", "Đơn vị cấp trên", "Tự tạo")
    for r in rows:
        add_data_row(
            table,
            str(r["code"]),
            str(r["name"]),
            str(r["parent_code"] or ""),
            "có" if r["auto_created"] else "",
        )
    console.print(table)
