"""`tthc backup PATH` and `tthc restore PATH` (SQLite; PostgreSQL gets the pg_dump commands)."""

from __future__ import annotations

from pathlib import Path

import typer

from app.core.config import get_settings
from app.core.errors import AppError
from app.db.migrate import is_current
from app.db.session import make_engine
from app.ops.backup import CopyReport, backup, restore


def _size(report: CopyReport) -> str:
    return f"{report.pages} pages, {report.bytes / 1_048_576:.1f} MiB, {report.tables} tables"


def backup_command(
    path: Path = typer.Argument(..., help="The backup file to write (must not exist)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing backup file."),
) -> None:
    """Copy the SQLite database to PATH while the service keeps running."""
    try:
        report = backup(get_settings().database_url, path, overwrite=force)
    except AppError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"backup written to {report.target} ({_size(report)})")


def restore_command(
    path: Path = typer.Argument(..., help="A file written by `tthc backup`."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the SQLite database with the backup at PATH (stop the scheduler first)."""
    url = get_settings().database_url
    if not yes:
        typer.confirm(f"Replace the database {url} with {path}?", abort=True)
    try:
        report = restore(url, path)
    except AppError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(code=1) from None
    engine = make_engine(url)
    try:
        current = is_current(engine)
    finally:
        engine.dispose()
    typer.echo(f"database restored from {path} ({_size(report)})")
    if not current:
        typer.echo("the restored schema is behind: run `tthc db upgrade`", err=True)
