"""The `tthc` command. Each domain package contributes its own typer sub-app from its cli.py.

Only the invoked command's domain is imported (`LazyCommands`): importing every domain (the
FastAPI app and its routers through the demo, the scheduler, the outbox...) took ~2.4 CPU-s at
every start, ~1.3 s of it for commands other than the one run — a tenth of a 50,000-row
`tthc ingest file` (docs/scaling.md). `tthc --help` still imports them all, to list them.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, Final, Literal

import typer
from typer.main import get_command

from app.db.cli_guard import DatabaseAwareGroup, choose_database

Kind = Literal["group", "command", "merged"]
#: name: (module, attribute, kind, help of a single command), in the order `--help` lists them.
#: "merged" is a sub-app added without a name: its command of that name sits at the top level.
COMMANDS: Final[dict[str, tuple[str, str, Kind, str | None]]] = {
    "db": ("app.db.cli", "app", "group", None),
    "agencies": ("app.agencies.cli", "app", "group", None),
    "token": ("app.auth.cli", "app", "group", None),
    "report": ("app.rates.cli", "report_command", "command",
               "Biểu II.06a: received, resolved, in progress, rates."),
    "serve": ("app.serve", "serve_command", "command",
              "Serve the API and the dashboard with uvicorn."),
    "demo": ("app.demo", "app", "merged", None),
    "simulate": ("app.demo", "simulate_app", "group", None),
    "calendar": ("app.calendar.cli", "app", "group", None),
    "dossier": ("app.dossiers.cli", "app", "group", None),
    "forecast": ("app.forecast.cli", "app", "group", None),
    "ingest": ("app.ingest.cli", "app", "group", None),
    "quarantine": ("app.ingest.cli_quarantine", "app", "group", None),
    "senders": ("app.senders.cli", "app", "group", None),
    "procedures": ("app.procedures.cli", "app", "group", None),
    "scheduler": ("app.scheduler.cli", "scheduler_command", "command",
                  "Run the job scheduler (one leader, others wait)."),
    "jobs": ("app.scheduler.cli", "jobs_app", "group", None),
    "outbox": ("app.delivery.cli", "app", "group", None),
    "retention": ("app.retention.cli", "app", "group", None),
    "notices": ("app.notices.cli", "app", "group", None),
    "scan": ("app.scan.cli", "scan_command", "command",
             "Scan open dossiers as of now: transitions, apology drafts."),
    "backup": ("app.ops.cli", "backup_command", "command",
               "Back up the SQLite database (PostgreSQL: pg_dump)."),
    "restore": ("app.ops.cli", "restore_command", "command",
                "Restore the SQLite database from a backup file."),
}


def _no_callback() -> None:
    """Makes a one-entry typer app a group, so its entry keeps its name."""


def wire_bulk_inserts() -> None:
    """The ingest's large pages of new dossiers counted into the rate rollup by one grouped
    upsert (`ingest.upsert.bulk_insert`: a domain package may not import another, the entry
    point wires them). Something there already (a test's spy) stays."""
    from app.ingest import upsert
    from app.rates.rollups import service as rollups

    if upsert.bulk_insert is None:
        upsert.bulk_insert = rollups.insert_counted_in_bulk


@cache
def load_command(name: str) -> Any:
    """The click command `name`, built by typer exactly as `add_typer` / `command` would."""
    module, attribute, kind, help_text = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if name == "ingest":
        wire_bulk_inserts()
    holder = typer.Typer(pretty_exceptions_enable=False)
    holder.callback()(_no_callback)
    if kind == "group":
        holder.add_typer(target, name=name)
    elif kind == "merged":
        holder.add_typer(target)
    else:
        holder.command(name, help=help_text)(target)
    return get_command(holder).commands[name]  # type: ignore[attr-defined]


class LazyCommands(DatabaseAwareGroup):
    """The root group: its commands are loaded when asked for, one domain at a time."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(
    name="tthc",
    help="tthc-monitor: theo dõi thời hạn giải quyết hồ sơ TTHC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyCommands,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    choose_database(ctx.invoked_subcommand)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
