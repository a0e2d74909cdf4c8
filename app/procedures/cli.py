"""`tthc procedures`: import the catalogue, list procedures (and those missing from it)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from app.core.clock import utcnow
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope
from app.procedures import service
from app.procedures.catalogue_file import CatalogueFile
from app.procedures.schemas import ProcedureOut
from app.procedures.service import ImportReport

app = typer.Typer(help="Procedure catalogue: import and list.", no_args_is_help=True)
console = make_console(highlight=False)


def _print_report(report: ImportReport, file: CatalogueFile) -> None:
    summary = Table("Thêm mới", "Cập nhật", "Không đổi", "Cần xem lại", "Không nhập",
                    title="Nhập danh mục thủ tục")
    add_data_row(summary, str(report.created), str(report.updated), str(report.unchanged),
                 str(len(report.listed_back)), str(len(report.refused)))
    console.print(summary)
    if file.unmapped:
        console.print(safe_markup("Cột không dùng: {}", ", ".join(file.unmapped)))
    if file.headings:
        console.print(safe_markup("Bỏ qua {} dòng tiêu đề nhóm", file.headings))
    if report.listed_back:
        table = Table("Dòng", "Mã TTHC", "Thời hạn giải quyết", "Lý do", "Các cách đọc",
                      title="Thời hạn cần xem lại (lưu không có hạn luật định: ghi rõ "
                            "processing_time / processing_unit)")
        for p in report.listed_back:
            add_data_row(table, str(p.row), p.code or "", p.text or "", p.reason,
                         "\n".join(r.label() for r in p.readings) or "—")
        console.print(table)
    if report.refused:
        table = Table("Dòng", "Mã TTHC", "Cột", "Lý do", title="Dòng không nhập")
        for p in report.refused:
            add_data_row(table, str(p.row), p.code or "", p.column, p.reason)
        console.print(table)
    for w in report.warnings:
        console.print(safe_markup("[yellow]Cảnh báo[/yellow] {}: quy trình nội bộ — {}",
                                  w.code, w.reason))
    if report.recomputed_dossiers:
        console.print(safe_markup("Đã tính lại hạn của {} hồ sơ đang giải quyết",
                                  report.recomputed_dossiers))


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="Catalogue: .json list, .csv or .xlsx (the national "
                                          "catalogue's export works as downloaded)."),
) -> None:
    """Import the catalogue; existing procedures are updated in place."""
    file = CatalogueFile(path)
    try:
        with session_scope() as session:
            report = service.import_catalogue(session, file.rows(), utcnow())
    except AppError as exc:
        console.print(safe_markup("[red]error:[/red] {}", exc.reason))
        raise typer.Exit(code=1) from None
    _print_report(report, file)


@app.command("list")
def list_command(
    missing: bool = typer.Option(False, "--missing", help="Only procedures not in the catalogue."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List procedures with their processing time, the phrase it was read from, and dossiers."""
    with session_scope() as session:
        items = [ProcedureOut.of(v) for v in service.list_procedures(session, missing=missing)]
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False,
                              indent=2))
        return
    table = Table("Mã TTHC", "Tên thủ tục", "Thời hạn giải quyết", "Giờ chốt", "Trong danh mục",
                  "Hồ sơ", "Vấn đề")
    for i in items:
        add_data_row(table, i.code, i.name, i.processing_time_shown or "—", i.cutoff_shown or "",
                     "có" if i.in_catalogue else "không", str(i.dossiers),
                     "\n".join([i.parse_error or "", *(r.label for r in i.readings)]).strip())
    console.print(table)


@app.command("steps")
def steps_command(
    code: str = typer.Argument(..., help="Procedure code (MaTTHC)."),
    province: str | None = typer.Option(None, "--agency", "--province",
                                        help="Agency code whose own process this is (a "
                                             "province covers its communes); none: the "
                                             "catalogue's."),
    file: Path | None = typer.Option(None, "--set", help="JSON file: the list of steps to store "
                                                         "([] removes that agency's process)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a procedure's internal processes (catalogue and per province), or set one."""
    from app.procedures import process_service

    try:
        with session_scope() as session:
            if file is not None:
                value = json.loads(file.read_text(encoding="utf-8-sig"))
                views = [process_service.set_process(session, code, province, value, utcnow(),
                                                     actor=f"cli:{province or 'catalogue'}")]
            else:
                views = process_service.get_processes(session, code)
            out = [v.to_dict() for v in views]
    except (AppError, json.JSONDecodeError, OSError) as exc:
        console.print(safe_markup("[red]error:[/red] {}", getattr(exc, "reason", exc)))
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for view in out:
        table = Table("Bước", "Đơn vị", "Giờ", "Trực tuyến", "Cơ quan",
                      title=safe_markup("{} — {} ({})", code, view["agency_code"] or "danh mục",
                                        view["source"]))
        for s in view["steps"]:
            add_data_row(table, s["name"], "; ".join(s["units"]), str(s["working_hours"] or "—"),
                         str(s.get("online_working_hours") or ""), s.get("agency") or "")
        console.print(table)
        if view["warning"]:
            console.print(safe_markup("[yellow]Cảnh báo:[/yellow] {}", view["warning"]))
