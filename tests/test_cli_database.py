"""Every `tthc` command on a missing, unmigrated or unreachable database says what to run, and
never creates a file; after `make demo` the CLI finds the demo's database by itself."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.core.config import get_settings
from app.db import migrate
from app.db.session import forget_checked_databases, get_engine

runner = CliRunner()

# One command per group that reads the database, as a newcomer types them.
DATABASE_COMMANDS = [
    ["notices", "list"],
    ["dossier", "explain", "H21.65-260101-0001"],
    ["dossier", "show", "H21.65-260101-0001"],
    ["scan"],
    ["quarantine", "list"],
    ["procedures", "list"],
    ["agencies", "list"],
    ["token", "list"],
    ["outbox", "list"],
    ["jobs", "list"],
    ["calendar", "list"],
    ["report", "--from", "2026-01-01", "--to", "2026-02-01"],
    ["serve", "--port", "1"],
    ["scheduler"],
]


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory with no database and no TTHC_ settings, as a fresh clone has."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TTHC_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    get_engine.cache_clear()
    forget_checked_databases()
    yield tmp_path
    os.environ.pop("TTHC_DATABASE_URL", None)  # the CLI's demo fallback sets it in-process
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_a_missing_database_is_named_and_never_created(
    empty_dir: Path, command: list[str]
) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"database file {empty_dir / 'tthc.db'} does not exist" in result.stderr
    assert "tthc db upgrade" in result.stderr
    assert list(empty_dir.iterdir()) == []


def test_an_unmigrated_database_says_to_upgrade(empty_dir: Path) -> None:
    (empty_dir / "tthc.db").write_bytes(b"")  # what older versions left behind
    result = runner.invoke(app, ["notices", "list"])
    assert result.exit_code == 1
    assert "is not migrated: run `tthc db upgrade`" in result.stderr


def test_a_database_behind_the_code_names_both_revisions(empty_dir: Path) -> None:
    url = f"sqlite:///{empty_dir / 'tthc.db'}"
    migrate.upgrade(url, "0001")
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 1
    assert "is behind (at 0001, this version needs" in result.stderr
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["scan", "--json"]).exit_code == 0


def test_an_unreachable_server_is_one_line_without_its_password(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_DATABASE_URL", "postgresql+psycopg://tthc:s3cret@127.0.0.1:1/tthc")
    get_settings.cache_clear()
    result = runner.invoke(app, ["notices", "list"])
    assert result.exit_code == 1
    assert "cannot open the database postgresql+psycopg://tthc:***@127.0.0.1:1/tthc" in (
        result.stderr
    )
    assert "s3cret" not in result.output


def test_db_current_on_a_missing_file_creates_nothing(empty_dir: Path) -> None:
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert list(empty_dir.iterdir()) == []


def test_help_needs_no_database(empty_dir: Path) -> None:
    result = runner.invoke(app, ["notices", "list", "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_after_the_demo_the_cli_uses_its_database(empty_dir: Path) -> None:
    demo = empty_dir / "demo-data" / "tthc-demo.db"
    demo.parent.mkdir()
    migrate.upgrade(f"sqlite:///{demo}")
    result = runner.invoke(app, ["notices", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"
    assert "using the demo's database demo-data/tthc-demo.db" in result.stderr
    assert not (empty_dir / "tthc.db").exists()


def test_a_chosen_database_is_never_swapped_for_the_demo(
    empty_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = empty_dir / "demo-data" / "tthc-demo.db"
    demo.parent.mkdir()
    migrate.upgrade(f"sqlite:///{demo}")
    own = empty_dir / "own.db"
    monkeypatch.setenv("TTHC_DATABASE_URL", f"sqlite:///{own}")
    get_settings.cache_clear()
    result = runner.invoke(app, ["notices", "list"])
    assert result.exit_code == 1
    assert f"database file {own} does not exist" in result.stderr
    assert "the demo's data is in demo-data/tthc-demo.db" in result.stderr


def test_the_installed_command_prints_no_traceback(empty_dir: Path) -> None:
    """The console script itself, as a shell runs it (exit status, stderr, no file)."""
    tthc = Path(sys.executable).with_name("tthc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTHC_")}
    done = subprocess.run(
        [str(tthc), "dossier", "explain", "X"], cwd=empty_dir, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: database file")
    assert list(empty_dir.iterdir()) == []
