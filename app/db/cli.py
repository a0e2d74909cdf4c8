"""`tthc db`: schema migrations and the PostgreSQL monthly partitions."""

from __future__ import annotations

import typer

from app.core.clock import utcnow
from app.core.config import get_settings
from app.core.terminal import make_console, safe_markup
from app.db import migrate
from app.db.partitions import tables as partitioning
from app.db.readiness import require_file
from app.db.session import make_engine

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = make_console()


def _url(url: str | None) -> str:
    return url or get_settings().database_url


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target revision."),
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Apply migrations up to REVISION (default: the newest); concurrent runs wait their turn."""
    migrate.upgrade_locked(_url(url), revision)
    console.print(safe_markup("[green]database at {}[/green]", revision))


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base."),
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Revert migrations down to REVISION."""
    require_file(_url(url))
    migrate.downgrade(_url(url), revision)
    console.print(safe_markup("[yellow]database at {}[/yellow]", revision))


@app.command()
def current(
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """Show the applied revision and whether it is the newest."""
    require_file(_url(url))
    engine = make_engine(_url(url))
    try:
        applied = migrate.current_revisions(engine)
        heads = migrate.head_revisions(_url(url))
    finally:
        engine.dispose()
    state = "up to date" if applied == heads else f"behind (head: {', '.join(sorted(heads))})"
    console.print(safe_markup("applied: {} — {}", ", ".join(sorted(applied)) or "none", state))


@app.command()
def partition(
    months_ahead: int = typer.Option(
        partitioning.DEFAULT_MONTHS_AHEAD,
        "--months-ahead",
        min=0,
        max=120,
        help="Months after the current one to create partitions for.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the SQL, change nothing."),
    url: str | None = typer.Option(None, help="Database URL (default: TTHC_DATABASE_URL)."),
) -> None:
    """PostgreSQL only: add the missing monthly partitions of dossier and dossier_event
    (converting a table that is still plain, as migration 0004 does)."""
    require_file(_url(url))
    engine = make_engine(_url(url))
    try:
        with engine.begin() as conn:
            result = partitioning.partition_tables(
                conn, utcnow(), months_ahead, dry_run=dry_run
            )
    except partitioning.PartitioningUnsupported as exc:
        console.print(safe_markup("[red]{}[/red]", exc.reason))
        raise typer.Exit(2) from exc
    except partitioning.PartitioningRefused as exc:
        console.print(safe_markup("[red]{}[/red]", exc.reason))
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    if dry_run:
        for statement in result.statements:
            console.print(f"{statement};", markup=False, highlight=False, soft_wrap=True)
        console.print(
            safe_markup("[yellow]dry run: {} statements, nothing changed[/]",
                        len(result.statements))
        )
        return
    for plan in result.plans:
        if plan.converts:
            console.print(safe_markup(
                "[green]{} partitioned by month: {} rows copied into {} partitions[/green]",
                plan.table, plan.rows, len(plan.partitions),
            ))
        elif plan.partitions:
            console.print(safe_markup("[green]added partitions: {}[/green]",
                                      ", ".join(plan.partitions)))
        elif plan.statements:  # only the indexes some partitions lacked
            console.print(safe_markup("[green]{}: built the partitions' missing indexes[/green]",
                                      plan.table))
        else:
            console.print(safe_markup("{} is partitioned; every month is there already",
                                      plan.table))
    console.print(safe_markup("done in {:.1f} s", result.seconds))
