from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from app.auth.cli import app
from app.auth.tokens import hash_token
from app.core.config import get_settings
from app.db.session import get_engine, make_engine, session_scope
from app.models import Agency, ApiToken

runner = CliRunner()


@pytest.fixture
def token_db(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TTHC_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("TTHC_ENVIRONMENT", "development")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield fresh_database_url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_create_list_revoke(token_db: str) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with session_scope() as session:
        session.add(Agency(code="SO-TP", name="Sở Tư pháp", created_at=now, updated_at=now))

    created = runner.invoke(
        app, ["create", "--role", "viewer", "--agency", "SO-TP", "--name", "Báo cáo"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("tthc_")
    engine = make_engine(token_db)
    with engine.connect() as conn:
        hashes = [row.token_hash for row in conn.execute(ApiToken.__table__.select())]
    engine.dispose()
    assert hashes == [hash_token(secret)]

    listed = runner.invoke(app, ["list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert rows[0]["agency"] == "SO-TP" and rows[0]["revoked_at"] is None
    assert secret not in listed.output
    assert "Báo cáo" in runner.invoke(app, ["list"]).output

    revoked = runner.invoke(app, ["revoke", rows[0]["prefix"]])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(runner.invoke(app, ["list", "--json"]).output)[0]["revoked_at"]


def test_create_errors_are_messages(token_db: str) -> None:
    result = runner.invoke(app, ["create", "--role", "viewer", "--name", "x"])
    assert result.exit_code == 1
    assert "needs --agency" in result.output
    missing = runner.invoke(app, ["revoke", "999"])
    assert missing.exit_code == 1 and "no token" in missing.output
