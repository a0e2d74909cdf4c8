"""`tthc retention` (dry run by default, --apply, restore), the hourly job, and the migration's
downgrade refusing to lose track of archived payloads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings
from app.db import migrate
from app.db.session import make_engine, make_session_factory, session_scope
from app.models import IngestRun, RawRecord
from app.scheduler.runner import run_job_once
from tests.ingest.test_receptions import _legacy
from tests.retention.test_retention import LATER, seed

runner = CliRunner()


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(select(func.count()).select_from(IngestRun)).scalar_one()
            archived = conn.execute(select(func.count()).select_from(RawRecord)
                                    .where(RawRecord.archived_in.is_not(None))).scalar_one()
            raws = conn.execute(select(func.count()).select_from(RawRecord)).scalar_one()
    finally:
        engine.dispose()
    return runs, archived, raws


def _seed(url: str) -> None:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        seed(session)
        for second in range(3):
            _legacy(session, LATER - timedelta(hours=2) + timedelta(seconds=second))
    engine.dispose()


def test_dry_run_then_apply_then_restore(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_ARCHIVE_DIR", str(tmp_path))
    _seed(cli_database)
    now = ["--now", (LATER.replace(microsecond=0)).isoformat()]
    dry = runner.invoke(cli, ["retention", *now])
    assert dry.exit_code == 0, dry.output
    assert "would fold 3 single deliveries into minutes" in dry.output
    assert "would archive 3" in dry.output and "Nothing was changed" in dry.output
    assert f"moved to {tmp_path}" in dry.output
    assert _counts(cli_database) == (3, 0, 5)

    done = runner.invoke(cli, ["retention", "--apply", *now])
    assert done.exit_code == 0, done.output
    assert "did archive 3" in done.output and "archive file: raw/" in done.output
    assert _counts(cli_database) == (1, 3, 5)
    [file] = list(tmp_path.rglob("*.jsonl.gz"))

    count = runner.invoke(cli, ["retention", "restore", str(file)])
    assert count.exit_code == 0 and "3 would be put back" in count.output
    assert _counts(cli_database) == (1, 3, 5)
    back = runner.invoke(cli, ["retention", "restore", str(file), "--apply"])
    assert back.exit_code == 0 and "3 put back" in back.output, back.output
    assert _counts(cli_database) == (1, 0, 5)

    (tmp_path / "bad.jsonl.gz").write_bytes(b"garbage")
    bad = runner.invoke(cli, ["retention", "restore", str(tmp_path / "bad.jsonl.gz")])
    assert bad.exit_code == 1 and "cannot read archive file" in bad.output


def test_the_scheduled_job_takes_one_step(fresh_database_url: str, tmp_path: Path) -> None:
    _seed(fresh_database_url)
    settings = Settings(database_url=fresh_database_url, environment="development",
                        archive_dir=str(tmp_path), scheduler_lock_path=str(tmp_path / "lock"))
    engine = make_engine(fresh_database_url)
    try:
        result = run_job_once("retention", settings=settings,
                              factory=make_session_factory(engine))
    finally:
        engine.dispose()
    assert result.outcome == "succeeded", result.error
    assert result.counts["deliveries_folded"] == 3 and result.counts["complete"] == 1
    # the job runs at the wall clock's now, more than 12 months after the seed's 2025 dossiers
    assert (result.counts["payloads_archived"], result.counts["archive_files"]) == (3, 1)
    assert len(list(tmp_path.rglob("*.jsonl.gz"))) == 1


def test_downgrade_refuses_while_payloads_are_archived(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_ARCHIVE_DIR", str(tmp_path))
    _seed(cli_database)
    now = ["--now", LATER.replace(microsecond=0).isoformat()]
    done = runner.invoke(cli, ["retention", "--apply", *now])
    assert done.exit_code == 0 and "did archive 3" in done.output, done.output
    # Later revisions go first, cleanly: SQLite runs each revision in its own transaction, so
    # a refusal in 0007 would otherwise leave them undone and the database off the models.
    migrate.downgrade(cli_database, "0007")
    before_0007 = ScriptDirectory.from_config(
        migrate.alembic_config(cli_database)).get_revision("0007").down_revision
    assert isinstance(before_0007, str)
    with pytest.raises(RuntimeError, match="3 raw payloads are in archive files"):
        migrate.downgrade(cli_database, before_0007)
    migrate.upgrade(cli_database)
    [file] = list(tmp_path.rglob("*.jsonl.gz"))
    assert runner.invoke(cli, ["retention", "restore", str(file), "--apply"]).exit_code == 0
    migrate.downgrade(cli_database, before_0007)
    migrate.upgrade(cli_database)
