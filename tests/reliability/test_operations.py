"""/readyz (database, migrations, scheduler heartbeat) and JSON log lines with request ids."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.logging import setup_logging
from app.db import migrate
from app.db.session import make_engine, session_scope
from app.main import create_app
from app.scheduler.service import HEARTBEAT_STALE_AFTER, beat
from tests.conftest import TEST_WEBHOOK_SECRET


def settings_for(url: str) -> Settings:
    return Settings(environment="test", database_url=url, webhook_secret=TEST_WEBHOOK_SECRET,
                    secret_key="t" * 40, log_json=True)


@pytest.fixture
def fresh_app(fresh_database_url: str) -> Iterator[FastAPI]:
    app = create_app(settings_for(fresh_database_url))
    yield app
    app.state.engine.dispose()


def write_beat(app: FastAPI, age: timedelta) -> None:
    with session_scope(app.state.session_factory) as session:
        beat(session, instance_id="host:1:abc", now=utcnow() - age)


def test_readyz_reports_the_scheduler_heartbeat_without_failing_readiness(
    fresh_app: FastAPI,
) -> None:
    with TestClient(fresh_app) as client:
        body = client.get("/readyz").json()
        assert body["ready"] is True
        assert body["checks"] == {"database": "ok", "migrations": "ok"}
        assert body["advisories"]["scheduler"]["status"] == "missing"

        write_beat(fresh_app, timedelta(seconds=5))
        response = client.get("/readyz")
        scheduler = response.json()["advisories"]["scheduler"]
        assert response.status_code == 200 and scheduler["status"] == "ok"
        assert 4 <= scheduler["age_seconds"] < 60
        assert "instance_id" not in scheduler  # host names stay out of a public probe

        write_beat(fresh_app, HEARTBEAT_STALE_AFTER + timedelta(seconds=30))
        response = client.get("/readyz")
        assert response.status_code == 200  # an API replica still serves without a scheduler
        assert response.json()["advisories"]["scheduler"]["status"] == "stale"


def test_readyz_is_503_when_migrations_are_behind(fresh_database_url: str) -> None:
    migrate.downgrade(fresh_database_url, "-1")
    app = create_app(settings_for(fresh_database_url))
    try:
        with TestClient(app) as client:
            response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"] == "behind"
    finally:
        app.state.engine.dispose()
        migrate.upgrade(fresh_database_url)


def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    app = create_app(settings_for(url), make_engine(url))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # liveness does not need the database
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False and body["checks"]["database"].startswith("unreachable: ")
    assert body["advisories"]["scheduler"] == {"status": "unknown"}


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging("INFO", json_lines=True)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_are_json_with_the_request_id(
    fresh_database_url: str, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(settings_for(fresh_database_url))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail of the failure")

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom", headers={"X-Request-ID": "req-42.a"})
            unsafe = client.get("/boom", headers={"X-Request-ID": "bad id\n{json}"})
    finally:
        app.state.engine.dispose()
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error",
                               "reason": "internal error; see server logs"}
    assert response.headers["X-Request-ID"] == "req-42.a"
    generated = unsafe.headers["X-Request-ID"]
    assert generated != "bad id\n{json}" and len(generated) == 32

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    errors = [line for line in lines if line["message"] == "unhandled error"]
    assert [e["request_id"] for e in errors] == ["req-42.a", generated]
    for entry in errors:
        assert entry["level"] == "error" and entry["logger"] == "app.api.errors"
        assert entry["error_type"] == "RuntimeError" and "Traceback" in entry["exc"]
        assert entry["ts"].endswith("+00:00")
