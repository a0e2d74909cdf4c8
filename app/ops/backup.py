"""Online backup and restore of an SQLite database with the sqlite3 backup API.

The backup API copies a consistent snapshot page by page while the API and the scheduler keep
writing (WAL mode), so `tthc backup` needs no downtime. A restore replaces the live file's
contents through the same API, so open connections see the restored database, not a deleted
inode. PostgreSQL is refused with the commands to use instead: `pg_dump` is the right tool
there, and re-implementing it would be worse.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from app.core.errors import BadRequest, Conflict, NotFound

PG_DUMP_HINT: Final = (
    "PostgreSQL is backed up with its own tools:\n"
    "  pg_dump --format=custom --file=tthc.dump \"$DATABASE_URL\"\n"
    "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" tthc.dump\n"
    "(use the libpq URL, postgresql://..., without the +psycopg driver suffix); "
    "see docs/reliability.md"
)
PAGES_PER_STEP: Final = 1024
# The tables a tthc database must have: restoring anything else would replace the data with
# a file the application cannot read.
REQUIRED_TABLES: Final = frozenset({"alembic_version", "dossier", "raw_record", "job_run"})


class UnsupportedDatabase(BadRequest):
    pass


@dataclass(frozen=True, slots=True)
class CopyReport:
    source: Path
    target: Path
    pages: int
    bytes: int
    tables: int


def sqlite_path(database_url: str) -> Path:
    """The file behind an SQLite URL; refuses PostgreSQL and in-memory databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise UnsupportedDatabase(
            f"tthc backup/restore handle SQLite only; this database is "
            f"{url.get_backend_name()}.\n{PG_DUMP_HINT}"
        )
    if not url.database or url.database == ":memory:":
        raise UnsupportedDatabase("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _check_tthc_database(conn: sqlite3.Connection, path: Path) -> int:
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        names = {row[0] for row in rows}
    except sqlite3.DatabaseError as exc:
        raise BadRequest(f"{path} is not an SQLite database ({exc})") from None
    if integrity is None or integrity[0] != "ok":
        raise BadRequest(f"{path} failed the integrity check: {integrity[0] if integrity else '?'}")
    missing = REQUIRED_TABLES - names
    if missing:
        raise BadRequest(f"{path} is not a tthc database (missing {', '.join(sorted(missing))})")
    return len(names)


def _copy(source: Path, target: Path) -> CopyReport:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = _check_tthc_database(src, source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            page_size = int(dst.execute("PRAGMA page_size").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()
    return CopyReport(source, target, pages, pages * page_size, tables)


def backup(database_url: str, target: Path, *, overwrite: bool = False) -> CopyReport:
    """Copy the live database at ``database_url`` into the new file ``target``."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise NotFound(f"database file {source} does not exist")
    if target.exists() and not overwrite:
        raise Conflict(f"{target} exists; choose a new file or pass --force")
    if target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        report = _copy(source, partial)
        # A backup is renamed into place only when complete: a crash leaves no half file
        # under the name an operator would restore from.
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return CopyReport(source, target, report.pages, report.bytes, report.tables)


def restore(database_url: str, backup_file: Path) -> CopyReport:
    """Replace the database at ``database_url`` with the contents of ``backup_file``."""
    target = sqlite_path(database_url)
    if not backup_file.exists():
        raise NotFound(f"backup file {backup_file} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    return _copy(backup_file, target)
