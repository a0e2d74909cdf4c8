"""Run Alembic from code: the CLI, the demo and the tests build the schema the same way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# "tthc-mig" as a big-endian signed 64-bit integer (the scheduler's lock is "tthc-sch").
MIGRATION_LOCK_KEY = 0x7474_6863_2D6D_6967


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolation would read a '%' in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """One migrator at a time: API replicas that each run `tthc db upgrade` at start wait for
    the first, then find the schema at head and do nothing. PostgreSQL: a session advisory lock
    (freed by the server if the migrator dies); SQLite: a file lock beside the database."""
    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                try:
                    yield
                finally:
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                    conn.commit()
        finally:
            engine.dispose()
        return
    database = parsed.database or ""
    if parsed.drivername.startswith("sqlite") and database not in ("", ":memory:"):
        with filelock.FileLock(f"{Path(database).resolve()}.migrate.lock", thread_local=False):
            yield
        return
    yield


def upgrade_locked(url: str, revision: str = "head") -> None:
    with migration_lock(url):
        upgrade(url, revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revisions(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_current(engine: Engine) -> bool:
    url = engine.url.render_as_string(hide_password=False)
    return current_revisions(engine) == head_revisions(url)


def known_revisions(url: str) -> set[str]:
    """Every revision this code ships (a database at another one was migrated by a newer
    release)."""
    scripts = ScriptDirectory.from_config(alembic_config(url)).walk_revisions()
    return {script.revision for script in scripts}
