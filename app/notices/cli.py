"""`tthc notices`: list, draft, edit, approve, issue, publish, cancel and render notices.

The CLI acts with an administrator's reach (every agency); `--by` names who acts, for the
notice's history.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import get_args

import typer

from app.core.clock import local_text, parse_instant, utcnow
from app.core.errors import AppError
from app.db.session import session_scope
from app.models import Notice
from app.notices import drafting, listing, service
from app.notices.numbering import notice_number
from app.notices.render import NoticeFormat

app = typer.Typer(help="Apology notices (form 04): workflow and files.", no_args_is_help=True)

# The workflow's steps as the one-stop unit says them.
STATUS_VI = {
    "draft": "Dự thảo, chờ duyệt",
    "approved": "Đã duyệt, chờ phát hành",
    "issued": "Đã phát hành",
    "published": "Đã công khai",
    "cancelled": "Đã hủy",
}

BY_HELP = "Who does this (recorded in the notice's history)."
DEFAULT_ACTOR = "cli"


def _fail(exc: AppError) -> typer.Exit:
    typer.echo(f"error: {exc.reason}", err=True)
    return typer.Exit(code=1)


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    status: list[str] | None = typer.Option(None, "--status", help="Only this status (repeat)."),
    dossier: str | None = typer.Option(None, "--dossier", help="Only this dossier code."),
    limit: int = typer.Option(100, "--limit", min=1, max=listing.MAX_LIMIT),
) -> None:
    """List notices, oldest first (status in Vietnamese, new date in Vietnamese time; --json
    keeps the API's English keys and values)."""
    try:
        with session_scope() as session:
            page = listing.list_notices(
                session, scope=None, statuses=status, dossier_code=dossier, limit=limit
            )
    except AppError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in page.items], ensure_ascii=False))
        return
    if not page.items:
        filtered = " khớp điều kiện lọc" if status or dossier else ""
        typer.echo(f"Chưa có phiếu xin lỗi nào{filtered}.")
        return
    width = max(len(item.number) for item in page.items)
    for item in page.items:
        typer.echo(
            f"{item.id:>6}  {item.number:<{width}}  {STATUS_VI.get(item.status, item.status):<24}"
            f"{item.dossier_code}  hẹn lại {local_text(item.new_due_at)}"
        )


def _new_due(text: str | None) -> datetime | None:
    try:
        return parse_instant(text) if text else None
    except ValueError:
        typer.echo(f"error: --new-due {text!r} is not an ISO 8601 instant", err=True)
        raise typer.Exit(code=2) from None


@app.command("draft")
def draft_command(
    dossier_code: str = typer.Argument(..., help="Dossier code."),
    reason: str | None = typer.Option(None, "--reason", help="Reason for the delay."),
    new_due: str | None = typer.Option(None, "--new-due", help="New date (ISO 8601)."),
    by: str = typer.Option(DEFAULT_ACTOR, "--by", help=BY_HELP),
) -> None:
    """Draft the apology notice of one dossier (refused if it already has one)."""
    new_due_at = _new_due(new_due)
    try:
        with session_scope() as session:
            notice = drafting.create_draft(
                session, dossier_code, utcnow(), actor=by, reason=reason, new_due_at=new_due_at
            )
            typer.echo(
                f"drafted notice {notice.id} ({notice_number(notice)}) for {dossier_code}"
            )
    except AppError as exc:
        raise _fail(exc) from None


@app.command("edit")
def edit_command(
    notice_id: int = typer.Argument(...),
    reason: str | None = typer.Option(None, "--reason", help="New reason text."),
    new_due: str | None = typer.Option(None, "--new-due", help="New date (ISO 8601)."),
    signer: str | None = typer.Option(None, "--signer", help="Signer's full name."),
    by: str = typer.Option(DEFAULT_ACTOR, "--by", help=BY_HELP),
) -> None:
    """Edit a draft's reason, new date or signer."""
    new_due_at = _new_due(new_due)
    try:
        with session_scope() as session:
            service.edit(
                session,
                notice_id,
                utcnow(),
                actor=by,
                reason=reason,
                new_due_at=new_due_at,
                signer_name=signer,
            )
    except AppError as exc:
        raise _fail(exc) from None
    typer.echo(f"notice {notice_id} edited")


# The four workflow steps take the same arguments and say the same thing back: one command
# each, built from this table (name, service step, help).
STEPS: tuple[tuple[str, Callable[..., Notice], str], ...] = (
    ("approve", service.approve, "Approve a draft."),
    ("issue", service.issue,
     "Issue an approved notice: re-appoint the dossier, store PDF and DOCX, notify."),
    ("publish", service.publish, "Publish an issued notice on the public list of apologies."),
    ("cancel", service.cancel, "Cancel a draft."),
)


def _step_command(step: Callable[..., Notice]) -> Callable[[int, str], None]:
    def command(
        notice_id: int = typer.Argument(...),
        by: str = typer.Option(DEFAULT_ACTOR, "--by", help=BY_HELP),
    ) -> None:
        try:
            with session_scope() as session:
                status = step(session, notice_id, utcnow(), actor=by).status
        except AppError as exc:
            raise _fail(exc) from None
        typer.echo(f"notice {notice_id}: {status}")

    return command


for _name, _step, _help in STEPS:
    app.command(_name, help=_help)(_step_command(_step))


@app.command("render")
def render_command(
    notice_id: int = typer.Argument(...),
    fmt: str = typer.Option("pdf", "--format", help="pdf, docx or html."),
    out: Path = typer.Option(..., "--out", help="File to write.", dir_okay=False),
) -> None:
    """Write the notice to a file: the stored copy once issued, else a preview."""
    if fmt not in get_args(NoticeFormat):
        typer.echo(f"error: --format must be one of {', '.join(get_args(NoticeFormat))}", err=True)
        raise typer.Exit(code=2)
    chosen: NoticeFormat = fmt  # type: ignore[assignment]  # checked just above
    try:
        with session_scope() as session:
            row = service.load_row(session, notice_id, None)
            content, stored = service.file_content(session, row, chosen)
    except AppError as exc:
        raise _fail(exc) from None
    out.write_bytes(content)
    typer.echo(f"wrote {out} ({len(content)} bytes{', stored copy' if stored else ', preview'})")
