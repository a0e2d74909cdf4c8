"""`tthc db`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from app.core.config import get_settings
from app.db import migrate
from app.db.session import make_engine

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = Console()


def _url(url: str | None) -> str:
    return url or get_settings().database_url


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target revision."),
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(_url(url), revision)
    console.print(f"[green]database at {revision}[/green]")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(_url(url), revision)
    console.print(f"[yellow]database at {revision}[/yellow]")


@app.command()
def current(
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Show the applied revision and whether it is the newest."""
    engine = make_engine(_url(url))
    try:
        applied = migrate.current_revisions(engine)
        heads = migrate.head_revisions(_url(url))
    finally:
        engine.dispose()
    state = "up to date" if applied == heads else f"behind (head: {', '.join(sorted(heads))})"
    console.print(f"applied: {', '.join(sorted(applied)) or 'none'} — {state}")
