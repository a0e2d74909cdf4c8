from __future__ import annotations

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
    for name, command in group.commands.items():
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
