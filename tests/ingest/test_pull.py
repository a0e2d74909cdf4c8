"""run_pull: each page and its cursor committed together; a failure keeps earlier pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.clock import utcnow
from app.db.session import make_engine, make_session_factory
from app.ingest import cli as ingest_cli
from app.ingest.runs import run_pull
from app.models import ConnectorState, Dossier, IngestRun
from connectors import Connector, get_connector
from tests.ingest.payloads import dossier, stamp, step

BASE = "http://portal.test"


def page_items(page: int) -> list[dict[str, Any]]:
    items = []
    for n in (1, 2):
        code = f"H21.65-250908-{page}{n:03d}"
        items.append(dossier(code, steps=[step(code, stamp(8, 8, 30), 2),
                                          step(code, stamp(8 + page, 9), 4)]))
    return items


class FakePortal:
    """Pages 1..3 by cursor; page 3 fails with 500 until `healthy` is set."""

    def __init__(self) -> None:
        self.healthy = False
        self.cursors: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer secret-token"
        cursor = request.url.params.get("cursor")
        self.cursors.append(cursor)
        page = {None: 1, "c2": 2, "c3": 3}[cursor]
        if page == 3 and not self.healthy:
            return httpx.Response(500, json={"error_code": 500, "message": "lỗi máy chủ"})
        next_cursor = {1: "c2", 2: "c3", 3: None}[page]
        return httpx.Response(200, json={"error_code": 0, "data": page_items(page),
                                         "next_cursor": next_cursor})


def connector_for(portal: FakePortal) -> Connector:
    client = httpx.Client(transport=httpx.MockTransport(portal))
    return get_connector("dvc_portal", base_url=BASE, token="secret-token", page_size=2,
                         client=client, sleep=lambda _s: None, max_retries=0)


@pytest.fixture
def factory(fresh_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine(fresh_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_failure_on_page_3_keeps_pages_1_and_2_and_their_cursor(
    factory: sessionmaker[Session],
) -> None:
    portal = FakePortal()
    summary = run_pull(factory, connector_for(portal), utcnow)
    assert summary.status == "failed" and summary.pages == 2
    assert summary.error is not None and "500" in summary.error
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 4
        state = session.get(ConnectorState, "dvc_portal")
        assert state is not None and state.cursor == "c3"
        run = session.get(IngestRun, summary.run_id)
        assert run is not None and run.status == "failed" and run.pages == 2
        assert run.stored == 4 and run.error and run.finished_at is not None

    portal.healthy = True
    portal.cursors.clear()
    second = run_pull(factory, connector_for(portal), utcnow)
    assert second.succeeded and second.pages == 1 and second.counts.stored == 2
    assert portal.cursors == ["c3"]  # resumed after the last committed page
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 6
        state = session.get(ConnectorState, "dvc_portal")
        assert state is not None and state.cursor is None
        assert state.updated_since == stamp(11, 9)


def test_cli_pull_reports_a_failing_portal_without_traceback(
    cli_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error_code": 503, "message": "bảo trì"})

    def fake_get_connector(name: str, **config: Any) -> Connector:
        config.update(client=httpx.Client(transport=httpx.MockTransport(always_down)),
                      sleep=lambda _s: None, max_retries=1)
        return get_connector(name, **config)

    monkeypatch.setattr(ingest_cli, "get_connector", fake_get_connector)
    result = CliRunner().invoke(cli, ["ingest", "pull", "dvc_portal", "--base-url", BASE,
                                      "--token", "secret-token"])
    assert result.exit_code == 1
    assert "failed" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_pull_needs_url_and_token(cli_database: str) -> None:
    result = CliRunner().invoke(cli, ["ingest", "pull", "dvc_portal"])
    assert result.exit_code == 2
    assert "TTHC_PORTAL_BASE_URL" in result.output


