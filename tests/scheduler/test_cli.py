from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from app.core.config import Settings, get_settings
from app.db.session import get_engine, session_scope
from app.delivery import enqueue
from app.delivery.cli import app as outbox_app
from app.scheduler.cli import jobs_app

runner = CliRunner()


@pytest.fixture
def cli_env(job_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("TTHC_DATABASE_URL", job_settings.database_url)
    monkeypatch.setenv("TTHC_SCHEDULER_LOCK_PATH", job_settings.scheduler_lock_path)
    monkeypatch.setenv("TTHC_LOG_JSON", "false")
    monkeypatch.setenv("COLUMNS", "200")  # rich would cut the table to 80 columns
    monkeypatch.setenv("TTHC_SMTP_HOST", "")
    monkeypatch.setenv("TTHC_OUTGOING_WEBHOOK_URL", "")
    # session_scope() uses the engine of the default URL, cached by the first caller.
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_jobs_run_then_list_as_json(cli_env: Settings) -> None:
    result = runner.invoke(jobs_app, ["run", "deliver_notifications"])
    assert result.exit_code == 0, result.output
    assert "deliver_notifications: succeeded" in result.output

    result = runner.invoke(jobs_app, ["list", "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "id", "job", "instance_id", "started_at", "finished_at", "outcome",
        "duration_seconds", "counts", "error",
    }
    assert (row["job"], row["outcome"]) == ("deliver_notifications", "succeeded")
    assert row["error"] is None
    assert row["counts"]["sent"] == 0
    assert datetime.fromisoformat(row["started_at"]).utcoffset() is not None
    assert row["instance_id"].count(":") == 2

    table = runner.invoke(jobs_app, ["list"])
    assert table.exit_code == 0 and "deliver_notifications" in table.output


def test_jobs_list_limit_keeps_the_newest(cli_env: Settings) -> None:
    for _ in range(3):
        assert runner.invoke(jobs_app, ["run", "deliver_notifications"]).exit_code == 0
    rows = json.loads(runner.invoke(jobs_app, ["list", "--json", "--limit", "2"]).output)
    assert len(rows) == 2 and rows[0]["id"] > rows[1]["id"]
    assert runner.invoke(jobs_app, ["list", "--limit", "0"]).exit_code != 0


def test_jobs_run_refuses_an_unknown_job(cli_env: Settings) -> None:
    result = runner.invoke(jobs_app, ["run", "no_such_job"])
    assert result.exit_code == 2
    assert "known jobs" in result.output


def test_outbox_list_shows_waiting_mail_and_requeue_refuses_a_pending_one(
    cli_env: Settings,
) -> None:
    now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    with session_scope() as session:
        enqueue(session, key="mail-1", kind="notice.sent", channel="smtp",
                payload={"to": "a@example.vn", "subject": "Phiếu", "text": "Kính gửi"}, now=now)
    # SMTP is not configured: the run succeeds and the message keeps waiting.
    result = runner.invoke(jobs_app, ["run", "deliver_notifications"])
    assert result.exit_code == 0 and "waiting_unconfigured=1" in result.output

    listed = json.loads(runner.invoke(outbox_app, ["list", "--json"]).output)
    assert [(m["key"], m["status"], m["attempts"]) for m in listed] == [("mail-1", "pending", 0)]
    assert "a@example.vn" not in json.dumps(listed), "payloads (addresses) are not listed"

    refused = runner.invoke(outbox_app, ["requeue", str(listed[0]["id"])])
    assert refused.exit_code == 1 and "only failed ones requeue" in refused.output
    missing = runner.invoke(outbox_app, ["requeue", "999999"])
    assert missing.exit_code == 1 and "no outbox message" in missing.output
    assert runner.invoke(outbox_app, ["list", "--status", "lost"]).exit_code == 2
