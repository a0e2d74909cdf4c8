"""`tthc backup` / `tthc restore`: an online SQLite copy that restores to the same rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import get_settings
from app.db import migrate
from app.db.session import get_engine, make_engine, make_session_factory
from app.ingest.service import ingest_records
from app.models import Dossier, DossierEvent, RawRecord
from app.ops.backup import PG_DUMP_HINT, backup
from tests.ingest.payloads import NOW, as_records, dossier

RECORDS = 300


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("TTHC_DATABASE_URL", url)
    monkeypatch.setenv("TTHC_ENVIRONMENT", "development")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_settings.cache_clear()
    get_engine.cache_clear()


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Dossier, DossierEvent, RawRecord)
            )
    finally:
        engine.dispose()


def load(url: str, first: int, last: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        for start in range(first, last, 50):
            with factory() as session:
                payloads = [dossier(f"H21.65-250908-{n:04d}") for n in range(start, start + 50)]
                ingest_records(session, "test", as_records(payloads), NOW)
                session.commit()
    finally:
        engine.dispose()


def test_backup_while_writing_then_restore_gives_back_the_snapshot(
    sqlite_url: str, tmp_path: Path
) -> None:
    load(sqlite_url, 0, RECORDS)
    writer = threading.Thread(target=load, args=(sqlite_url, RECORDS, 2 * RECORDS))
    writer.start()
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "b" / "snap.db")])
    writer.join(60)
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    snapshot = counts(f"sqlite:///{tmp_path / 'b' / 'snap.db'}")
    # A consistent snapshot: whole pages of 50 dossiers, each with its two events and raw row.
    assert snapshot[0] % 50 == 0 and RECORDS <= snapshot[0] <= 2 * RECORDS
    assert snapshot == (snapshot[0], 2 * snapshot[0], snapshot[0])
    assert counts(sqlite_url) == (2 * RECORDS, 4 * RECORDS, 2 * RECORDS)

    engine = make_engine(sqlite_url)
    with engine.begin() as conn:  # the disaster: someone empties a table
        conn.execute(text("DELETE FROM dossier_event"))
    engine.dispose()

    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "b" / "snap.db"), "--yes"])
    assert result.exit_code == 0, result.output
    assert counts(sqlite_url) == snapshot
    assert migrate.is_current(make_engine(sqlite_url))


def test_backup_refuses_to_overwrite_and_restore_refuses_foreign_files(
    sqlite_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "snap.db"
    target.write_bytes(b"keep me")
    result = CliRunner().invoke(cli, ["backup", str(target)])
    assert result.exit_code == 1 and "--force" in result.output
    assert target.read_bytes() == b"keep me"

    result = CliRunner().invoke(cli, ["restore", str(target), "--yes"])
    assert result.exit_code == 1 and "not an SQLite database" in result.output
    stranger = tmp_path / "other.db"
    make_engine(f"sqlite:///{stranger}").connect().exec_driver_sql("CREATE TABLE t (x)").close()
    result = CliRunner().invoke(cli, ["restore", str(stranger), "--yes"])
    assert result.exit_code == 1 and "not a tthc database" in result.output
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "missing.db"), "--yes"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert counts(sqlite_url) == (0, 0, 0)  # the live database was never touched


def test_restore_asks_before_replacing(sqlite_url: str, tmp_path: Path) -> None:
    backup(sqlite_url, tmp_path / "snap.db")
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "snap.db")], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output


def test_postgresql_is_refused_with_the_pg_dump_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TTHC_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/tthc")
    get_settings.cache_clear()
    try:
        for args in (["backup", str(tmp_path / "x.db")], ["restore", str(tmp_path), "--yes"]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 1
            assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    finally:
        get_settings.cache_clear()
    assert "docs/reliability.md" in PG_DUMP_HINT
    assert not (tmp_path / "x.db").exists()
