"""W12: the public development secret key never serves beyond the machine it runs on.

Before: the default (development) environment signed cookies with the key published in the
repository and said nothing; an admin session cookie was forged against a server started with
it. Now `tthc serve` and `tthc demo` refuse a non-loopback address with that key and warn on
loopback; sessions are database rows, so no key can forge one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from typer.testing import CliRunner

from app.auth.session_cookie import SESSION_COOKIE
from app.cli import app as cli_app
from app.core.config import DEV_SECRET_KEY, get_settings
from app.serve import is_loopback

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command's decision is what is under test."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("app.serve.uvicorn.run", lambda *a, **k: calls.append(k))
    monkeypatch.setattr("app.serve.check_database", lambda url: None)  # tested in tests/db
    monkeypatch.setenv("TTHC_ENVIRONMENT", "development")
    monkeypatch.setenv("TTHC_LOG_JSON", "false")
    monkeypatch.delenv("TTHC_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.3.2.1"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "tthc.example"])
def test_addresses_other_machines_reach(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_serve_refuses_a_public_address_with_the_development_key(
    served: list[dict[str, Any]], host: str
) -> None:
    result = runner.invoke(cli_app, ["serve", "--host", host, "--port", "18999"])
    assert result.exit_code == 2, result.output
    assert "TTHC_SECRET_KEY" in result.output and host in result.output
    assert served == []


def test_serve_warns_on_loopback_with_the_development_key(
    served: list[dict[str, Any]],
) -> None:
    result = runner.invoke(cli_app, ["serve", "--host", "127.0.0.1", "--port", "18999"])
    assert result.exit_code == 0, result.output
    assert "CẢNH BÁO" in result.output and "TTHC_SECRET_KEY" in result.output
    assert "WARNING app.serve: serving with the development secret key" in result.output
    assert [c["host"] for c in served] == ["127.0.0.1"]


def test_serve_starts_quietly_anywhere_with_a_real_key(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_SECRET_KEY", "r" * 48)
    get_settings.cache_clear()
    result = runner.invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "18999"])
    assert result.exit_code == 0, result.output
    assert "CẢNH BÁO" not in result.output
    assert [c["host"] for c in served] == ["0.0.0.0"]


def test_the_demo_refuses_before_loading_anything(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    data_dir = tmp_path / "demo"
    result = runner.invoke(cli_app, ["demo", "--host", "0.0.0.0", "--data-dir", str(data_dir)])
    assert result.exit_code == 2, result.output
    assert not data_dir.exists()


def test_the_app_factory_warns_with_the_development_key(
    served: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`uvicorn --factory app.main:app_factory` cannot be asked where it listens: it warns."""
    from app.main import app_factory

    try:
        app_factory().state.engine.dispose()
    finally:
        logging.getLogger().handlers.clear()  # setup_logging's handler: not for other tests
    assert "TTHC_SECRET_KEY is the public development key" in capsys.readouterr().err


def test_a_cookie_signed_with_the_public_key_opens_nothing(app: FastAPI) -> None:
    """What the attack did: sign a session for token 1 with the published key."""
    forged = URLSafeSerializer(DEV_SECRET_KEY, salt="tthc-dashboard-session").dumps(
        {"tid": 1, "csrf": "x", "exp": 4_102_444_800})
    app.state.settings = app.state.settings.model_copy(update={"secret_key": DEV_SECRET_KEY})
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, forged)
        assert client.get("/api/v1/auth/me").status_code == 401
        page = client.get("/giam-sat/qua-han", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
