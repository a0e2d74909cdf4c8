from __future__ import annotations

import subprocess
import sys
from typing import Any

import typer
from typer.testing import CliRunner

from app.cli import app
from app.db import migrate
from app.db.session import make_engine

runner = CliRunner()


def test_db_commands_round_trip(fresh_database_url: str) -> None:
    result = runner.invoke(app, ["db", "current", "--url", fresh_database_url])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output

    result = runner.invoke(app, ["db", "downgrade", "base", "--url", fresh_database_url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["db", "current", "--url", fresh_database_url])
    assert "applied: none" in result.output

    result = runner.invoke(app, ["db", "upgrade", "--url", fresh_database_url])
    assert result.exit_code == 0, result.output
    engine = make_engine(fresh_database_url)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def _command_paths(group: Any, prefix: list[str]) -> list[list[str]]:
    paths = [prefix]
    context = typer.Context(group)
    for name in group.list_commands(context):  # the root loads its commands when asked
        command = group.get_command(context, name)
        if hasattr(command, "commands"):
            paths += _command_paths(command, [*prefix, name])
        else:
            paths.append([*prefix, name])
    return paths


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    paths = _command_paths(root, [])
    names = {" ".join(p) for p in paths}
    for expected in ("db upgrade", "serve", "demo", "ingest pull", "ingest file", "quarantine list",
                     "quarantine retry", "procedures import", "dossier show", "dossier explain",
                     "calendar add", "scan", "notices list", "notices render", "scheduler",
                     "jobs list", "report", "token create", "simulate portal", "agencies import"):
        assert expected in names, expected
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output, path


def test_a_command_imports_only_its_domain() -> None:
    """`tthc ingest file` must not pay for the API, the demo or the scheduler at start-up
    (~1.3 CPU-s: docs/scaling.md); their modules are loaded only by their own commands."""
    code = (
        "import sys; from app.cli import load_command; load_command('ingest'); "
        "print(sorted(m for m in ('app.main', 'app.demo', 'app.scheduler.cli', "
        "'app.delivery.cli', 'app.serve') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
