"""The `tthc` command and its database: which one it uses, and a clear refusal when unusable.

Commands reach the database through `app.db.session.session_scope()` (or `checked_engine()`),
which checks it once per invocation (`app.db.readiness`). The refusal travels up as
`DatabaseNotReady` and is printed here as one line on stderr with exit status 1, instead of a
traceback.

After `make demo` the demo's data is in ./demo-data/tthc-demo.db while the default URL names
./tthc.db. A newcomer's next step is a CLI command on the demo data, so when nothing chose a
database (no TTHC_DATABASE_URL in the environment or .env) and ./tthc.db does not exist, the
CLI uses the demo's file and says so on stderr. An operator who set TTHC_DATABASE_URL, or who
has a ./tthc.db, is never redirected.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from app.core.config import get_settings
from app.db.readiness import DEMO_DATABASE, DatabaseNotReady, sqlite_file
from app.db.session import forget_checked_databases

# Commands that create or manage the database themselves, or never open it.
OWN_DATABASE_COMMANDS = frozenset({"db", "demo", "simulate", "restore"})


class DatabaseAwareGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DatabaseNotReady as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(code=1) from None


def demo_database_fallback() -> str | None:
    """The demo's URL when nothing configured a database and ./tthc.db is absent; else None."""
    settings = get_settings()
    if "database_url" in settings.model_fields_set or not DEMO_DATABASE.is_file():
        return None
    default_file = sqlite_file(settings.database_url)
    if default_file is None or default_file.exists():
        return None
    return f"sqlite:///{DEMO_DATABASE.resolve()}"


def choose_database(command: str | None) -> None:
    """Point this process at the demo's database when `demo_database_fallback` says so."""
    forget_checked_databases()
    if command in OWN_DATABASE_COMMANDS:
        return
    url = demo_database_fallback()
    if url is None:
        return
    from app.db.session import get_engine

    os.environ["TTHC_DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()
    typer.echo(
        f"note: TTHC_DATABASE_URL is not set; using the demo's database {DEMO_DATABASE}",
        err=True,
    )
