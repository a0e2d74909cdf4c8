from __future__ import annotations

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


def test_every_command_has_help() -> None:
    for args in (["--help"], ["db", "--help"], ["db", "upgrade", "--help"], ["serve", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output
