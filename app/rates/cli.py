"""`tthc report`: the period report on the terminal, as JSON, XLSX or CSV."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from app.core.clock import to_local, utcnow
from app.core.config import get_settings
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope
from app.rates.export import table_rows, title, to_csv, to_xlsx
from app.rates.export_units import UNIT_SHEET_TITLE, unit_table_rows
from app.rates.schemas import GroupBy
from app.rates.service import local_day_start, period_report, resolve_scope

console = make_console()
err_console = make_console(stderr=True)
GROUPS = ("agency", "procedure", "field", "channel", "month")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from exc


DEFAULT_LAST_DAYS = 90


def _period(from_: str | None, to: str | None, last: int | None) -> tuple[date, date]:
    """[--from, --to), or the `last` days up to and including today (Vietnamese date)."""
    if last is not None and (from_ or to):
        raise typer.BadParameter("give --last or --from/--to, not both", param_hint="--last")
    if from_ is None and to is None:
        tomorrow = to_local(utcnow()).date() + timedelta(days=1)
        return tomorrow - timedelta(days=last or DEFAULT_LAST_DAYS), tomorrow
    if from_ is None or to is None:
        raise typer.BadParameter("give both --from and --to", param_hint="--from/--to")
    return _day(from_, "--from"), _day(to, "--to")


def _print_records(heading: str, rows: list[list[object]]) -> None:
    """The report one group at a time, "column: value" pairs wrapped to the terminal: the 21
    columns of Biểu II.06a squeezed into 80 characters would show only "…"."""
    console.print(safe_markup("[bold]{}[/bold]", heading), soft_wrap=True)
    header = rows[0]
    for row in rows[1:]:
        code, label = str(row[0]), str(row[1]).strip()
        console.print(safe_markup("\n[bold]{}[/bold]{}", label, f" ({code})" if code else ""))
        pairs = [f"{name}: {value}" for name, value in zip(header[2:], row[2:], strict=True)
                 if value not in ("", None)]
        console.print(Padding(Text(" · ".join(pairs)), (0, 0, 0, 2)))


def report_command(
    from_: str | None = typer.Option(None, "--from", help="First local day, YYYY-MM-DD."),
    to: str | None = typer.Option(
        None, "--to", help="Day after the period (exclusive), YYYY-MM-DD."
    ),
    last: int | None = typer.Option(
        None, "--last", min=1, max=3660,
        help=f"The last N days up to today (default without --from/--to: {DEFAULT_LAST_DAYS}).",
    ),
    group_by: str | None = typer.Option(None, help="agency | procedure | field | channel | month"),
    agency: str | None = typer.Option(None, help="Agency code: count only its subtree."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write an XLSX file."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write a CSV file."),
) -> None:
    """Biểu II.06a for [--from, --to), or the last 90 days: received, resolved, in progress,
    rates, findings."""
    if group_by is not None and group_by not in GROUPS:
        raise typer.BadParameter(f"choose one of {', '.join(GROUPS)}", param_hint="--group-by")
    start, end = _period(from_, to, last)
    try:
        with session_scope() as session:
            result = period_report(
                session,
                start=local_day_start(start),
                end=local_day_start(end),
                group_by=cast(GroupBy | None, group_by),
                scope=resolve_scope(session, None, agency),
                settings=get_settings(),
            )
    except AppError as exc:
        err_console.print(safe_markup("[red]error:[/red] {}", exc.reason))
        raise typer.Exit(code=1) from exc
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    if xlsx is not None:
        xlsx.write_bytes(to_xlsx(result))
        err_console.print(safe_markup("XLSX: {}", xlsx))
    if csv_path is not None:
        csv_path.write_text(to_csv(result), encoding="utf-8")
        err_console.print(safe_markup("CSV: {}", csv_path))
    if as_json or xlsx is not None or csv_path is not None:
        return
    rows = table_rows(result)
    table = Table(*rows[0], title=title(result), show_lines=False)
    for row in rows[1:]:
        add_data_row(table, *(str(value) for value in row))
    natural = console.measure(table, options=console.options.update_width(100_000)).maximum
    if natural <= console.width:
        console.print(table)
    else:
        _print_records(title(result), rows)
    for finding in result.findings:
        console.print(safe_markup("[yellow]Phát hiện:[/yellow] {}", finding))
    if result.late_steps_by_unit:
        unit_rows = unit_table_rows(result.late_steps_by_unit)
        units = Table(*unit_rows[0], title=UNIT_SHEET_TITLE)
        for unit_row in unit_rows[1:]:
            add_data_row(units, *(str(value) for value in unit_row))
        console.print(units)
