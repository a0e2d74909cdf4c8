"""`tthc ingest`: pull from the portal, import an export file. Commits page by page."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.text import Text

from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.progress import bar_columns
from app.core.terminal import make_console, safe_markup
from app.db.session import checked_engine, make_session_factory
from app.ingest.runs import RunSummary, run_pull
from app.ingest.service import IngestCounts
from connectors import Connector, ConnectorError, Page, get_connector
from connectors.spreadsheet.connector import SUFFIXES, SpreadsheetConnector, file_sha256

app = typer.Typer(help="Ingest dossiers: portal pull, export files.", no_args_is_help=True)
KINDS = {"dossiers": "dossier", "progress": "progress", "auto": "auto"}
console = make_console(highlight=False)
err = make_console(stderr=True, highlight=False)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(safe_markup("[red]error:[/red] {}", message))
    return typer.Exit(code=code)


def _progress() -> Progress:
    return Progress(*bar_columns("records", remaining=False), console=err, transient=True)


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """A page holds thousands of live objects and every row allocates more: the collector's
    passes over everything alive cost ~3 % of a large import. Run them less often, never over
    what was loaded before the run, and put everything back afterwards."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _run(
    connector: Connector, label: str, total: int | None, **options: Any
) -> RunSummary:
    factory = make_session_factory(checked_engine())
    with _fewer_gc_passes(), _progress() as progress:
        task = progress.add_task(label, total=total)

        def on_page(page: Page, counts: IngestCounts) -> None:
            progress.update(task, advance=len(page.records),
                            description=f"{label} — page {page.number}")

        return run_pull(factory, connector, utcnow, on_page=on_page, **options)


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _report(summary: RunSummary) -> None:
    style = "green" if summary.succeeded else "red"
    console.print(Text.assemble((summary.line(), style), f" (run {summary.run_id})"))
    if not summary.succeeded:
        raise typer.Exit(code=1)


@app.command("pull")
def pull(
    name: str = typer.Argument("dvc_portal", help="Pull connector name."),
    base_url: str | None = typer.Option(None, help="Portal URL (default TTHC_PORTAL_BASE_URL)."),
    token: str | None = typer.Option(None, help="Bearer token (default TTHC_PORTAL_TOKEN)."),
    page_size: int = typer.Option(200, min=1, max=10_000, help="Records per page."),
) -> None:
    """Pull what changed since the last run; the cursor advances only with committed pages."""
    settings = get_settings()
    if name != "dvc_portal":
        raise _fail(f"`ingest pull` reads the portal API (dvc_portal), not {name!r}; "
                    "use `tthc ingest file` for exports", code=2)
    url, key = base_url or settings.portal_base_url, token or settings.portal_token
    if not url or not key:
        raise _fail("the portal URL and token are needed: set TTHC_PORTAL_BASE_URL and "
                    "TTHC_PORTAL_TOKEN, or pass --base-url and --token", code=2)
    try:
        connector = get_connector(name, base_url=url, token=key, page_size=page_size)
    except (ConnectorError, TypeError, ValueError) as exc:
        raise _fail(str(exc), code=2) from None
    _report(_run(connector, f"pull {name}", None, detail=url))


def _estimate_rows(path: Path) -> int | None:
    if path.suffix.lower() != ".csv":
        return None
    with path.open("rb") as handle:
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)


@app.command("file")
def import_file(
    path: Path = typer.Argument(..., help="Export file: .xlsx, .csv or .json (envelope/list)."),
    source: str = typer.Option("file", help="Source name recorded with each raw record."),
    # Each commit rewrites the index pages its rows touched; with random keys (content hashes,
    # dossier codes) 5,000 rows a commit write a third less than 1,000 (docs/scaling.md).
    page_size: int = typer.Option(5000, min=1, max=50_000, help="Rows committed together."),
    sheet: str | None = typer.Option(None, help="Worksheet name (.xlsx; default the first)."),
    aliases: Path | None = typer.Option(None, help="JSON alias table for column titles."),
    kind: str = typer.Option(
        "auto", help="Records of a JSON list: dossiers, progress, or auto (told by their "
        "fields). An envelope names its own; a spreadsheet holds dossiers."
    ),
    agency: str | None = typer.Option(
        None, help="Agency code of records that name none (DonViXuLy empty)."
    ),
) -> None:
    """Import an export file page by page. Rows that fail validation are quarantined (exit 0);
    an interrupted import resumes after its last committed page."""
    if not path.is_file():
        raise _fail(f"no such file: {path}")
    if path.suffix.lower() not in SUFFIXES:
        raise _fail(f"{path.name}: unsupported format; expected one of {', '.join(SUFFIXES)}")
    if len(source) > 32:
        raise _fail("--source must be at most 32 characters", code=2)
    if kind not in KINDS:
        raise _fail(f"--kind must be dossiers, progress or auto, not {kind!r}", code=2)
    if kind == "progress" and path.suffix.lower() != ".json":
        raise _fail(f"{path.name}: progress steps come in JSON; a spreadsheet holds dossiers",
                    code=2)
    try:
        connector = SpreadsheetConnector.from_config(
            path=path, page_size=page_size, sheet=sheet, alias_file=aliases, kind=KINDS[kind],
            agency_code=agency,
        )
        unmapped: list[str] = []
        if path.suffix.lower() != ".json":
            report = connector.header_report()
            unmapped = report.unmapped
            if report.missing_required:
                err.print(safe_markup("[yellow]warning:[/yellow] no column for required "
                                      "field(s) {}: those rows will be quarantined",
                                      ", ".join(report.missing_required)))
        digest = file_sha256(path)
    except (ConnectorError, OSError, ValueError) as exc:
        raise _fail(f"cannot read {path.name}: {exc}") from None
    rows = _estimate_rows(path)
    summary = _run(
        connector, path.name, rows, source=source,
        state_name=f"file:{digest[:59]}", detail=str(path), forget_state_on_success=True,
        extra={"file": path.name, "sha256": digest, "unmapped_columns": unmapped},
        # a worker process reads and parses ahead (app/ingest/read_ahead.py) when there is a
        # second core for it and more than one page to read
        read_ahead=get_settings().import_read_ahead and usable_cores() > 1
        and (rows is None or rows > page_size),
    )
    if unmapped:
        console.print(safe_markup("unmapped columns: {}", ", ".join(unmapped)))
    _report(summary)
