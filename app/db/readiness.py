"""Is the configured database there and migrated? Checked before a command touches it.

Without this, a command on a missing SQLite file creates an empty one (SQLite creates on
connect) and then fails deep inside a query with "no such table"; on PostgreSQL a typo in the
URL ends in a driver traceback. Each case gets one sentence saying what to run instead.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from app.db import migrate

UPGRADE_HINT = "run `tthc db upgrade`"
DEMO_DATABASE = Path("demo-data") / "tthc-demo.db"


class DatabaseNotReady(Exception):
    """The database is missing, unreachable, or not at the code's migration head."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown_url(url: str) -> str:
    """The URL without its password; an SQLite file by its absolute path."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for other backends and in-memory databases."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def demo_hint() -> str:
    """Points at the demo's database when `make demo` left one in this directory."""
    if not DEMO_DATABASE.is_file():
        return ""
    return (
        " (the demo's data is in "
        f"{DEMO_DATABASE}: export TTHC_DATABASE_URL=sqlite:///{DEMO_DATABASE.resolve()})"
    )


def require_file(url: str) -> None:
    """Refuse before connecting when an SQLite file is missing (connecting would create it)."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseNotReady(
            f"database file {path} does not exist: {UPGRADE_HINT} to create it, or point "
            f"TTHC_DATABASE_URL at an existing database{demo_hint()}"
        )


def applied_revisions(engine: Engine) -> set[str]:
    """Alembic's version table read directly: its MigrationContext logs a line at INFO, which
    would land in a command's output (`--json` included)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return {str(v) for v in conn.scalars(text("SELECT version_num FROM alembic_version"))}


def check_database(url: str, *, allow_unreachable: bool = False) -> None:
    """Raise DatabaseNotReady unless the database exists, answers and is at the head.

    `allow_unreachable`: a server that does not answer passes (the scheduler stands by and
    retries until it does); a missing SQLite file or an unmigrated schema never passes."""
    require_file(url)
    # A throw-away engine: nothing here should warm or configure the application's pools.
    engine = create_engine(url, poolclass=NullPool)
    try:
        applied = applied_revisions(engine)
    except SQLAlchemyError as exc:
        if allow_unreachable and sqlite_file(url) is None:
            return
        cause = getattr(exc, "orig", None) or exc
        first_line = str(cause).strip().splitlines()
        raise DatabaseNotReady(
            f"cannot open the database {shown_url(url)}: "
            f"{first_line[0] if first_line else type(exc).__name__}; check TTHC_DATABASE_URL "
            "and that the server is running"
        ) from None
    finally:
        engine.dispose()
    heads = migrate.head_revisions(url)
    if applied == heads:
        return
    where = shown_url(url)
    if not applied:
        raise DatabaseNotReady(
            f"database {where} is not migrated: {UPGRADE_HINT} (or point TTHC_DATABASE_URL "
            f"at a migrated database){demo_hint()}"
        )
    known = migrate.known_revisions(url)
    if applied - known:
        raise DatabaseNotReady(
            f"database {where} is at revision {', '.join(sorted(applied))}, which this "
            "version of tthc-monitor does not know: it was migrated by a newer release"
        )
    raise DatabaseNotReady(
        f"database {where} is behind (at {', '.join(sorted(applied))}, this version needs "
        f"{', '.join(sorted(heads))}): {UPGRADE_HINT}"
    )
