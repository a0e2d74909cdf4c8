"""`tthc procedures`: import the catalogue, list procedures (and those missing from it)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from app.core.clock import utcnow
from app.core.errors import AppError
from app.db.session import session_scope
from app.procedures import service
from app.procedures.catalogue import read_rows
from app.procedures.schemas import ProcedureOut
from app.procedures.service import ImportReport

app = typer.Typer(help="Procedure catalogue: import and list.", no_args_is_help=True)
console = Console(highlight=False)


def _print_report(report: ImportReport) -> None:
    summary = Table("created", "updated", "unchanged", "unparseable", "refused",
                    title="Procedure catalogue import")
    summary.add_row(str(report.created), str(report.updated), str(report.unchanged),
                    str(len(report.unparseable)), str(len(report.refused)))
    console.print(summary)
    if report.unparseable:
        table = Table("row", "MaTTHC", "ThoiHanGiaiQuyet", "reason",
                      title="Processing time not understood (stored without a legal due time)")
        for p in report.unparseable:
            table.add_row(str(p.row), p.code or "", p.text or "", p.reason)
        console.print(table)
    if report.refused:
        table = Table("row", "MaTTHC", "column", "reason", title="Rows not imported")
        for p in report.refused:
            table.add_row(str(p.row), p.code or "", p.column, p.reason)
        console.print(table)
    if report.recomputed_dossiers:
        console.print(f"due times recomputed for {report.recomputed_dossiers} open dossier(s)")


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="Catalogue: .json list, .csv or .xlsx."),
) -> None:
    """Import the catalogue; existing procedures are updated in place."""
    try:
        with session_scope() as session:
            report = service.import_catalogue(session, read_rows(path), utcnow())
    except AppError as exc:
        console.print(f"[red]error:[/red] {exc.reason}")
        raise typer.Exit(code=1) from None
    _print_report(report)


UNITS_VI = {
    "working_days": "ngày làm việc",
    "working_hours": "giờ làm việc",
    "calendar_days": "ngày",
    "same_day": "trong ngày",
}


def _time_text(item: ProcedureOut) -> str:
    """"20 ngày làm việc", "0,5 ngày làm việc", "trong ngày": never "2E+1"."""
    if not item.processing_unit:
        return item.processing_time_text or "—"
    unit = UNITS_VI.get(item.processing_unit, item.processing_unit)
    if item.processing_unit == "same_day" or item.processing_time is None:
        return unit
    number = format(Decimal(str(item.processing_time)).normalize(), "f").replace(".", ",")
    return f"{number} {unit}"


@app.command("list")
def list_command(
    missing: bool = typer.Option(False, "--missing", help="Only procedures not in the catalogue."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List procedures with their processing time and dossier count."""
    with session_scope() as session:
        items = [ProcedureOut.of(v) for v in service.list_procedures(session, missing=missing)]
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False,
                              indent=2))
        return
    table = Table("Mã TTHC", "Tên thủ tục", "Thời hạn giải quyết", "Giờ chốt", "Trong danh mục",
                  "Hồ sơ", "Vấn đề")
    for i in items:
        table.add_row(i.code, i.name, _time_text(i), i.cutoff or "",
                      "có" if i.in_catalogue else "không", str(i.dossiers), i.parse_error or "")
    console.print(table)
