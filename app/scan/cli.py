"""`tthc scan`: run the scan once, as of now or of a given instant."""

from __future__ import annotations

import json

import typer

from app.core.clock import parse_instant, utcnow
from app.db.session import session_scope
from app.scan.service import DEFAULT_BATCH_SIZE, run_scan

NOW_HELP = "Scan as of this instant (ISO 8601; without offset = Vietnamese local time)."


def scan_command(
    now: str | None = typer.Option(None, "--now", help=NOW_HELP),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE, "--batch-size", min=1, max=10_000, help="Dossiers per batch."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    since: str | None = typer.Option(
        None, "--since", help="Incremental: only dossiers that may have moved since this instant."
    ),
) -> None:
    """Recompute open dossiers, record what changed, draft apology notices."""
    try:
        instant = parse_instant(now) if now is not None else utcnow()
        after = parse_instant(since) if since is not None else None
    except ValueError:
        typer.echo(
            f"error: --now/--since must be ISO 8601 instants, not {now or since!r}", err=True
        )
        raise typer.Exit(code=2) from None
    with session_scope() as session:
        counts = run_scan(session, instant, batch_size=batch_size, since=after).as_dict()
    if as_json:
        typer.echo(json.dumps({"as_of": instant.isoformat(), **counts}))
        return
    typer.echo(f"Quét lúc {instant.isoformat()}: {counts['scanned']} hồ sơ đang giải quyết")
    for key, value in counts.items():
        if key != "scanned":
            typer.echo(f"  {key}: {value}")
