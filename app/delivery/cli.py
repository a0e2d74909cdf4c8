"""`tthc outbox`: what waits to be sent, what failed, and requeueing a failed message."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from app.core.clock import to_local, utcnow
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console
from app.db.session import session_scope
from app.delivery import repository, service
from app.models.outbox import OutboxMessage

# The table is for people (Vietnamese); --json keeps the stored English codes.
KIND_VI = {
    "dossier_overdue": "Hồ sơ quá hạn",
    "escalation": "Chuyển thủ trưởng cơ quan",
    "notice_issued": "Phát hành phiếu xin lỗi",
}
CHANNEL_VI = {"smtp": "Thư điện tử", "webhook": "Webhook"}
STATUS_VI = {
    "pending": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Gửi lỗi",
}

app = typer.Typer(help="Notification outbox (email and outgoing webhook).", no_args_is_help=True)
console = make_console()
STATUSES = ("pending", "sending", "sent", "failed")


@app.command("list")
def list_messages(
    status: str | None = typer.Option(None, help=f"Only this status: {', '.join(STATUSES)}."),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """Messages with their status and last error; payloads are not shown (they hold addresses)."""
    if status is not None and status not in STATUSES:
        typer.echo(f"unknown status {status!r}; use one of {', '.join(STATUSES)}", err=True)
        raise typer.Exit(2)
    with session_scope() as session:
        rows = list(repository.listing(session, limit=limit, status=status))
    if as_json:
        typer.echo(json.dumps([_as_json(row) for row in rows], ensure_ascii=False))
        return
    table = Table("Mã", "Loại", "Kênh", "Tình trạng", "Số lần gửi", "Gửi lần tới (giờ VN)",
                  "Lỗi")
    for row in rows:
        add_data_row(
            table,
            str(row.id), KIND_VI.get(row.kind, row.kind), CHANNEL_VI.get(row.channel, row.channel),
            STATUS_VI.get(row.status, row.status), str(row.attempts),
            to_local(row.next_attempt_at).strftime("%d/%m/%Y %H:%M"), row.last_error or "",
        )
    console.print(table)


def _as_json(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.idempotency_key,
        "kind": row.kind,
        "channel": row.channel,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "last_error": row.last_error,
    }


@app.command("requeue")
def requeue(message_id: int = typer.Argument(..., help="Id of a failed message.")) -> None:
    """Send a failed message again (for example after checking an interrupted email)."""
    try:
        with session_scope() as session:
            service.requeue(session, message_id, now=utcnow())
    except AppError as exc:
        typer.echo(exc.reason, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"outbox message {message_id} is pending again")
