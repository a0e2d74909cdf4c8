"""`tthc token`: create, list and revoke API tokens."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from app.auth.schemas import TokenOut
from app.auth.service import create_token, list_tokens, revoke_token
from app.core.clock import to_local, utcnow
from app.core.errors import AppError
from app.core.terminal import add_data_row, make_console, safe_markup
from app.db.session import session_scope

app = typer.Typer(help="API tokens (admin, supervisor, viewer).", no_args_is_help=True)
console = make_console()
err_console = make_console(stderr=True)


def _fail(exc: AppError) -> typer.Exit:
    err_console.print(safe_markup("[red]error:[/red] {}", exc.reason))
    return typer.Exit(code=1)


@app.command("create")
def create(
    role: str = typer.Option(..., help="admin | supervisor | viewer"),
    name: str = typer.Option(..., help="Who or what uses the token."),
    agency: str | None = typer.Option(
        None, help="Agency code or name; the token sees it and its sub-agencies."
    ),
) -> None:
    """Create a token and print it once, alone on the last line."""
    try:
        with session_scope() as session:
            created = create_token(session, name=name, role=role, agency=agency, now=utcnow())
            token_id, prefix = created.token.id, created.token.prefix
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(safe_markup("token {} ({}…) created; it is shown only once:", token_id, prefix))
    print(created.secret)


def _rows() -> list[TokenOut]:
    with session_scope() as session:
        return [
            TokenOut(
                id=t.id,
                name=t.name,
                prefix=t.prefix,
                role=t.role,
                agency=code,
                created_at=t.created_at,
                last_used_at=t.last_used_at,
                revoked_at=t.revoked_at,
            )
            for t, code in list_tokens(session)
        ]


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List tokens (never the tokens themselves: only their prefixes)."""
    rows = _rows()
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(
        "ID", "Tên", "Tiền tố", "Vai trò", "Cơ quan", "Tạo lúc", "Dùng lần cuối", "Thu hồi"
    )
    for r in rows:
        add_data_row(
            table,
            str(r.id),
            r.name,
            r.prefix,
            r.role,
            r.agency or "(toàn tỉnh)",
            f"{to_local(r.created_at):%d/%m/%Y %H:%M}",
            f"{to_local(r.last_used_at):%d/%m/%Y %H:%M}" if r.last_used_at else "—",
            f"{to_local(r.revoked_at):%d/%m/%Y %H:%M}" if r.revoked_at else "—",
        )
    console.print(table)


@app.command("revoke")
def revoke(id_or_prefix: str = typer.Argument(..., help="Token id or prefix.")) -> None:
    """Revoke a token: it stops working at once, dashboard sessions included."""
    try:
        with session_scope() as session:
            token = revoke_token(session, id_or_prefix, utcnow())
            token_id, prefix = token.id, token.prefix
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(safe_markup("token {} ({}…) revoked", token_id, prefix))
