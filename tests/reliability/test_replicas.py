"""Two API replicas on one database, as two uvicorn processes behind a load balancer.

Each replica is its own `create_app` with its own engine; a browser keeps one cookie jar and
the balancer sends each request to either. What must hold: everything a user sees (sessions,
tokens, webhook results, calendar changes) comes from the database (or, for the login nonce, a
cookie signed with the shared secret key), so any replica answers alike. What is per process
(the login and webhook rate limiters) is pinned down here too, so the scaling notes can state it.

Both replicas live in this one process, so module-level state (lru_caches, the Prometheus
request counters) is shared between them here; writes whose effect must reach a replica without
help from inside it (token revocation) therefore run in a separate process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.auth.cli import app as token_cli
from app.auth.session_cookie import SESSION_COOKIE
from app.core.clock import utcnow
from app.core.config import Settings
from app.db.session import make_engine, session_scope
from app.main import create_app
from app.models import DashboardSessionRow, Dossier, IngestRun, RawRecord
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.dashboard.helpers import NONCE, csrf_of
from tests.ingest.payloads import dossier, stamp, step

PAGE = "/giam-sat/qua-han"
WEBHOOK = "/api/v1/webhooks/dvc"
CODE = "H21.65-250908-0001"
runner = CliRunner()


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "database_url": url,
                              "webhook_secret": TEST_WEBHOOK_SECRET, "secret_key": "t" * 40,
                              "log_json": False, **overrides}
    return Settings(**values)


@contextmanager
def replica(url: str, **overrides: Any) -> Iterator[TestClient]:
    """One replica: its own settings object, engine, pools and app.state."""
    app = create_app(settings_for(url, **overrides), make_engine(url))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@contextmanager
def two_replicas(url: str, **overrides: Any) -> Iterator[tuple[TestClient, TestClient]]:
    with ExitStack() as stack:
        yield stack.enter_context(replica(url, **overrides)), stack.enter_context(
            replica(url, **overrides))


class Browser:
    """One user agent: one cookie jar, whichever replica the balancer picks."""

    def __init__(self, session_cookie: str | None = None) -> None:
        self.jar = httpx.Cookies()
        if session_cookie is not None:  # a cookie copied or forged outside this browser
            self.jar.set(SESSION_COOKIE, session_cookie)

    def send(self, via: TestClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        via.cookies = self.jar  # a copy, so nothing leaks between replicas but the cookies
        response: httpx.Response = via.request(method, url, follow_redirects=False, **kwargs)
        self.jar = via.cookies
        return response


def cli_token(*args: str) -> str:
    result = runner.invoke(token_cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def dashboard_login(browser: Browser, form_from: TestClient, post_to: TestClient,
                    token: str) -> None:
    nonce = NONCE.search(browser.send(form_from, "GET", "/login").text)
    assert nonce is not None
    done = browser.send(post_to, "POST", "/login",
                        data={"token": token, "next": PAGE, "csrf_token": nonce.group(1)})
    assert done.status_code == 303 and done.headers["location"] == PAGE, done.text


def delivery(data: list[Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", data), ensure_ascii=False).encode()
    return body, {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
                  "Content-Type": "application/json"}


def test_a_dashboard_session_and_its_csrf_token_work_on_either_replica(
    cli_database: str,
) -> None:
    token = cli_token("create", "--role", "admin", "--name", "Giám sát tỉnh")
    with two_replicas(cli_database) as (a, b):
        browser = Browser()
        dashboard_login(browser, form_from=a, post_to=b, token=token)  # nonce signed by A
        page_a = browser.send(a, "GET", PAGE)
        page_b = browser.send(b, "GET", PAGE)
        assert (page_a.status_code, page_b.status_code) == (200, 200)
        # The CSRF token lives in the session row, not in a replica's memory.
        assert csrf_of(page_a.text) == csrf_of(page_b.text)
        copied = browser.jar.get(SESSION_COOKIE)
        assert browser.send(b, "POST", "/logout", data={"csrf_token": "wrong"}).status_code == 403
        done = browser.send(b, "POST", "/logout", data={"csrf_token": csrf_of(page_a.text)})
        assert done.status_code == 303
        for via in (a, b):
            refused = browser.send(via, "GET", PAGE)
            assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
        # Logout ended the session in the database: a copy taken before it is dead too, on
        # every replica (W11; it used to live on until its expiry).
        assert copied is not None
        for via in (b, a):
            stale = Browser(copied).send(via, "GET", PAGE)
            assert stale.status_code == 303 and stale.headers["location"].startswith("/login")


def test_session_expiry_is_read_from_the_database_and_logins_need_one_shared_secret_key(
    cli_database: str,
) -> None:
    token = cli_token("create", "--role", "admin", "--name", "Giám sát tỉnh")
    with two_replicas(cli_database) as (a, b), replica(cli_database,
                                                       secret_key="k" * 40) as other_key:
        browser = Browser()
        dashboard_login(browser, form_from=b, post_to=a, token=token)
        live = browser.jar.get(SESSION_COOKIE)
        assert live is not None
        assert [Browser(live).send(via, "GET", PAGE).status_code
                for via in (a, b, other_key)] == [200, 200, 200]  # sessions are rows, not keys
        with session_scope() as session:
            row = session.scalars(select(DashboardSessionRow)).one()
            row.expires_at = utcnow() - timedelta(seconds=1)
        assert [Browser(live).send(via, "GET", PAGE).status_code
                for via in (a, b, other_key)] == [303, 303, 303]
        # The login nonce is signed with TTHC_SECRET_KEY: every replica needs the same key.
        stranger = Browser()
        nonce = NONCE.search(stranger.send(a, "GET", "/login").text)
        assert nonce is not None
        refused = stranger.send(other_key, "POST", "/login",
                                data={"token": token, "csrf_token": nonce.group(1)})
        assert refused.status_code == 403


def test_a_token_works_on_both_replicas_and_its_revocation_stops_both_at_once(
    cli_database: str,
) -> None:
    token = cli_token("create", "--role", "admin", "--name", "Tích hợp")
    bearer = {"Authorization": f"Bearer {token}"}
    with two_replicas(cli_database) as (a, b):
        browser = Browser()
        dashboard_login(browser, form_from=a, post_to=a, token=token)
        # Alternate a few times, so any per-process cache of the token would be warm on both.
        for via in (a, b, a, b):
            assert via.get("/api/v1/auth/me", headers=bearer).json()["name"] == "Tích hợp"
        assert browser.send(b, "GET", PAGE).status_code == 200
        token_id = a.get("/api/v1/auth/me", headers=bearer).json()["token_id"]
        # Revoked by another process, as an operator would: an in-process cache invalidated by
        # revoke_token would be cleared here too and hide itself.
        revoked = subprocess.run([sys.executable, "-m", "app.cli", "token", "revoke",
                                  str(token_id)], capture_output=True, text=True, timeout=60)
        assert revoked.returncode == 0, revoked.stderr
        # No grace period: the very next request on either replica reads revoked_at.
        for via in (b, a):
            refused = via.get("/api/v1/auth/me", headers=bearer)
            assert refused.status_code == 401 and refused.json()["reason"] == "token revoked"
            page = browser.send(via, "GET", PAGE)
            assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_webhook_taken_by_a_is_served_by_b_and_its_replay_to_b_stores_nothing_new(
    cli_database: str,
) -> None:
    token = cli_token("create", "--role", "admin", "--name", "Đọc")
    bearer = {"Authorization": f"Bearer {token}"}
    body, headers = delivery([dossier(CODE, status=4,
                                      steps=[step(CODE, stamp(8, 8, 30), 2, "Tiếp nhận")])])
    # inline: B reads the dossier the moment A answered (queued deliveries are processed
    # moments after the reply; tests/ingest/test_push_queue*.py)
    with two_replicas(cli_database, push_processing="inline") as (a, b):
        first = a.post(WEBHOOK, content=body, headers=headers)
        assert first.status_code == 200, first.text
        assert (first.json()["stored"], first.json()["unchanged"]) == (1, 0)

        detail = b.get(f"/api/v1/dossiers/{CODE}", headers=bearer)
        assert detail.status_code == 200, detail.text
        assert detail.json()["agency_code"] == "H21.65" and detail.json()["status"] == 4
        overdue = b.get("/api/v1/dossiers/overdue", headers=bearer,
                        params={"as_of": "2025-10-01T09:00:00"}).json()
        assert [item["code"] for item in overdue["items"]] == [CODE]

        # The very same delivery (same body, same signature) replayed to B: refused, nothing
        # written, because the replay ledger is in the shared database (W13).
        replay = b.post(WEBHOOK, content=body, headers=headers)
        assert replay.status_code == 409, replay.text
        assert replay.json()["details"]["run_id"] == first.json()["run_id"]
        gauges = [
            sorted(line for line in via.get("/metrics").text.splitlines()
                   if line.startswith("tthc_dossiers{"))
            for via in (a, b)
        ]
    assert gauges[0] == gauges[1] and gauges[0]  # domain gauges are read from the database
    with session_scope() as session:  # the CLI's engine, on the replicas' database
        assert session.scalar(select(func.count()).select_from(Dossier)) == 1
        assert session.scalars(select(RawRecord.times_received)).all() == [1]
        assert session.scalar(select(func.sum(IngestRun.pages))) == 1  # the one delivery taken


def test_a_calendar_change_through_a_reaches_b_despite_its_calendar_cache(
    cli_database: str,
) -> None:
    token = cli_token("create", "--role", "admin", "--name", "Lịch")
    bearer = {"Authorization": f"Bearer {token}"}
    days = {"from": "2026-09-04", "to": "2026-09-04"}  # a Friday
    with two_replicas(cli_database) as (a, b):
        assert b.get("/api/v1/calendar/days", headers=bearer, params=days).json()[0][
            "is_working"] is True  # B has now built and cached its calendar
        added = a.post("/api/v1/calendar/overrides", headers=bearer, json={
            "day": "2026-09-04", "kind": "day_off", "reason": "Nghỉ bù Quốc khánh",
            "source": "TB 1/TB-BNV"})
        assert added.status_code == 201, added.text
        seen = b.get("/api/v1/calendar/days", headers=bearer, params=days).json()[0]
        assert (seen["is_working"], seen["reason"]) == (False, "Nghỉ bù Quốc khánh")


def test_rate_limiters_are_per_replica(cli_database: str) -> None:
    """Each process keeps its own buckets: behind N replicas a client gets N times the burst."""
    with two_replicas(cli_database, webhook_burst=2, webhook_rate_per_minute=1) as (a, b):
        webhooks = {
            name: [via.post(WEBHOOK, content=body, headers=headers).status_code
                   for body, headers in [delivery([dossier(f"{CODE}{name}{n}")])
                                         for n in range(3)]]
            for name, via in (("A", a), ("B", b))
        }
        logins = {}
        for name, via in (("A", a), ("B", b)):
            nonce = NONCE.search(via.get("/login").text)
            assert nonce is not None
            wrong = {"token": "tthc_" + "x" * 43, "csrf_token": nonce.group(1)}
            logins[name] = [via.post("/auth/login", data=wrong,
                                     follow_redirects=False).status_code for _ in range(6)]
    assert webhooks == {"A": [200, 200, 429], "B": [200, 200, 429]}
    assert logins == {"A": [401] * 5 + [429], "B": [401] * 5 + [429]}
