"""`tthc scan`: run the scan once, as of now or of a given instant."""

from __future__ import annotations

import json

import typer

from app.core.clock import local_text, parse_instant, utcnow
from app.core.progress import progress
from app.db.session import session_scope
from app.scan.service import DEFAULT_BATCH_SIZE, run_scan

# What each count means, in the words of the supervisors' work lists.
COUNT_LABELS_VI = {
    "in_time": "trong hạn",
    "due_soon": "sắp đến hạn",
    "overdue": "quá hạn",
    "paused": "tạm dừng tính thời hạn",
    "became_due_soon": "mới chuyển sang sắp đến hạn",
    "became_overdue": "mới chuyển sang quá hạn",
    "late_without_apology": "quá hạn mà chưa có phiếu xin lỗi",
    "escalated": "trễ hẹn lần hai, chuyển thủ trưởng cơ quan",
    "drafted": "phiếu xin lỗi mới dự thảo",
    "auto_approved": "phiếu tự động duyệt",
    "notifications": "thông báo đưa vào hàng đợi",
}

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
    with session_scope() as session, progress("Quét hồ sơ", "hồ sơ") as tracker:
        counts = run_scan(
            session, instant, batch_size=batch_size, since=after, progress=tracker
        ).as_dict()
    if as_json:
        typer.echo(json.dumps({"as_of": instant.isoformat(), **counts}))
        return
    typer.echo(
        f"Quét lúc {local_text(instant)} (giờ Việt Nam): "
        f"{counts['scanned']} hồ sơ đang giải quyết"
    )
    width = max(len(label) for label in COUNT_LABELS_VI.values())
    for key, value in counts.items():
        if key != "scanned":
            typer.echo(f"  {COUNT_LABELS_VI.get(key, key):<{width}}  {value:>7}")
