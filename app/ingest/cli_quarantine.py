"""`tthc quarantine`: what could not be stored, and a retry once the cause is gone."""

from __future__ import annotations

import json
from typing import Any, cast

import typer

from app.core.clock import local_text, utcnow
from app.core.errors import AppError
from app.core.terminal import make_console, safe_markup
from app.db.session import session_scope
from app.ingest import quarantine
from app.ingest.quarantine import StatusFilter
from app.ingest.reasons_vi import reason_vi
from app.models import QuarantineEntry

STATUS_VI = {"open": "chưa xử lý", "resolved": "đã xử lý"}
EMPTY_VI = {
    "open": "Không có bản ghi cách ly nào chưa xử lý.",
    "resolved": "Không có bản ghi cách ly nào đã xử lý.",
    "all": "Không có bản ghi cách ly nào.",
}

app = typer.Typer(help="Quarantined records: list and retry.", no_args_is_help=True)
console = make_console(highlight=False)


def _entry(entry: QuarantineEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "dossier_code": entry.dossier_code,
        "source": entry.source,
        "field": entry.field,
        "reason": entry.reason,
        "value": entry.value,
        "count": entry.count,
        "first_seen_at": entry.first_seen_at.isoformat(),
        "last_seen_at": entry.last_seen_at.isoformat(),
        "status": entry.status,
    }


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    status: str = typer.Option("open", help="open, resolved or all."),
    show_payload: bool = typer.Option(
        False, "--show-payload", help="Include the raw payload (contains personal data)."
    ),
) -> None:
    """List quarantine entries: dossier code, field, reason (in Vietnamese; --json keeps the
    stored English), value, how often seen."""
    if status not in ("open", "resolved", "all"):
        console.print(safe_markup("[red]error:[/red] --status must be open, resolved or all, "
                                  "not {!r}", status))
        raise typer.Exit(code=2)
    with session_scope() as session:
        entries = quarantine.list_entries(session, cast(StatusFilter, status))
        rows = [_entry(e) for e in entries]
        if show_payload:
            payloads = quarantine.payloads_of(session, entries)
            for row in rows:
                row["payload"] = payloads[row["id"]]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(EMPTY_VI[status])
        return
    # one line per entry: readable at any terminal width, easy to grep
    for entry, row in zip(entries, rows, strict=True):
        value = f" (giá trị: {row['value']})" if row["value"] is not None else ""
        console.print(
            f"#{row['id']} [{STATUS_VI.get(entry.status, entry.status)}] "
            f"{row['dossier_code'] or '—'} {row['source']} {row['field']}: "
            f"{reason_vi(entry.reason)}{value} — gặp {row['count']} lần, lần cuối "
            f"{local_text(entry.last_seen_at)}",
            soft_wrap=True,
            markup=False,
        )
    if show_payload:
        for row in rows:
            console.print(f"#{row['id']}: {json.dumps(row['payload'], ensure_ascii=False)}",
                          markup=False)


@app.command("retry")
def retry_command(
    entry_id: list[int] | None = typer.Option(None, "--id", help="Entry to retry (repeatable)."),
) -> None:
    """Re-parse quarantined payloads; those valid now are stored and marked resolved."""
    try:
        with session_scope() as session:
            result = quarantine.retry(session, utcnow(), entry_id or None)
    except AppError as exc:
        console.print(safe_markup("[red]error:[/red] {}", exc.reason))
        raise typer.Exit(code=1) from None
    c = result.counts
    console.print(safe_markup(
        "retried {}: resolved {}, still open {} (stored {}, updated {}, unchanged {})",
        result.retried, result.resolved, result.still_open, c.stored, c.updated, c.unchanged,
    ))
