"""The demo's own pieces: the agency tree from the portal's flat list, and pushing webhooks."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app
from app.core.background_server import BackgroundServer
from app.core.config import Settings
from app.db.session import make_engine
from app.demo import PROVINCE_CODE, agency_rows
from app.main import create_app
from app.models import Dossier
from tests.conftest import TEST_WEBHOOK_SECRET

runner = CliRunner()


def test_agency_rows_follow_the_codes() -> None:
    rows = agency_rows(
        [
            {"code": "H21.65", "name": "UBND huyện Đông Hưng", "level": "district"},
            {"code": "H21.65.01", "name": "UBND xã Đông Hòa", "level": "commune"},
            {"code": "H21.10", "name": "Sở Tư pháp", "level": "province"},
        ]
    )
    parents = {r["code"]: r.get("parent_code") for r in rows}
    assert parents == {
        PROVINCE_CODE: None,
        "H21.65": PROVINCE_CODE,
        "H21.65.01": "H21.65",
        "H21.10": PROVINCE_CODE,
    }


def test_simulate_webhooks_pushes_signed_envelopes(cli_database: str) -> None:
    settings = Settings(
        environment="test", database_url=cli_database, webhook_secret=TEST_WEBHOOK_SECRET
    )
    with BackgroundServer(create_app(settings)) as server:
        target = f"{server.url}/api/v1/webhooks/dvc"
        ok = runner.invoke(
            app,
            [
                "simulate",
                "webhooks",
                "--target",
                target,
                "--secret",
                TEST_WEBHOOK_SECRET,
                "--dossiers",
                "12",
            ],
        )
        assert ok.exit_code == 0, ok.output
        assert "200" in ok.output
        wrong = runner.invoke(
            app, ["simulate", "webhooks", "--target", target, "--secret", "wrong-secret-0000000"]
        )
        assert wrong.exit_code == 1
        assert "401" in wrong.output
    engine = make_engine(cli_database)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Dossier)) == 12
    engine.dispose()


def test_simulate_push_speaks_each_senders_manner(cli_database: str) -> None:
    import json

    settings = Settings(
        environment="test", database_url=cli_database, webhook_secret=TEST_WEBHOOK_SECRET
    )
    creds = {}
    for name in ("ocps", "tdv"):
        added = runner.invoke(app, ["senders", "add", "--name", name, "--agency", "H21.65",
                                    "--json"])
        assert added.exit_code == 1 and "no agency" in added.output  # none imported yet
        added = runner.invoke(app, ["senders", "add", "--name", name, "--json"])
        creds[name] = json.loads(added.stdout)
    with BackgroundServer(create_app(settings)) as server:
        opencps = runner.invoke(app, ["simulate", "push", "opencps", "--base", server.url,
                                      "--username", creds["ocps"]["username"], "--password",
                                      creds["ocps"]["password"], "--dossiers", "6"])
        assert opencps.exit_code == 0, opencps.output
        td = runner.invoke(app, ["simulate", "push", "td", "--base", server.url, "--url-key",
                                 creds["tdv"]["url_key"], "--dossiers", "6", "--seed", "2"])
        assert td.exit_code == 0, td.output
        wrong = runner.invoke(app, ["simulate", "push", "td", "--base", server.url,
                                    "--url-key", "nope", "--dossiers", "2"])
        assert wrong.exit_code == 1 and "401" in wrong.output
    engine = make_engine(cli_database)
    with engine.connect() as conn:
        # two generated datasets may share a code (agency, day, number): at least one's worth
        assert 6 <= conn.scalar(select(func.count()).select_from(Dossier)) <= 12
    engine.dispose()
