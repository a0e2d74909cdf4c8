"""W14, W8, W9: one response-header policy, bounded metric labels, links that stay links.

Before: no `Cache-Control: no-store` on pages, exports and API answers carrying personal data;
`/metrics` grew a new series for each invented HTTP method (30 methods -> 510 series); dossier
codes were put in links with Jinja's urlencode, which keeps "/": a code `../../../login` became
a working link to /login and a code containing "/" could not be opened.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.middleware import NO_STORE, SECURITY_HEADERS, may_be_cached
from app.auth.service import create_token
from app.core.background_server import BackgroundServer
from app.db.session import make_engine, make_session_factory, session_scope
from app.deadlines.store.sync import refresh_deadlines
from app.main import create_app
from app.metrics.requests import KNOWN_METHODS
from tests.dashboard.helpers import NONCE, login, seed
from tests.factories import add_event, make_agency, make_dossier, make_procedure
from tests.reliability.test_replicas import settings_for
from tests.security.test_route_auth import PUBLIC

Headers = Callable[..., dict[str, str]]


def _get_paths(app: FastAPI) -> list[str]:
    values = {"code": "H-LATE-01", "code:path": "H-LATE-01", "notice_id": "1", "fmt": "pdf",
              "day": "2026-03-10", "action": "approve", "procedure_code": "1.001"}
    paths = []
    for route in iter_route_contexts(app.routes):
        if "GET" in (route.methods or ()):
            paths.append(re.sub(r"\{([\w:]+)\}", lambda m: values[m.group(1)], str(route.path)))
    return paths


def test_every_private_answer_is_no_store_and_public_ones_may_be_cached(
    app: FastAPI, db_session: Session
) -> None:
    seeded = seed(db_session, datetime.now(UTC))
    admin = create_token(db_session, name="a", role="admin", agency=None, now=datetime.now(UTC))
    db_session.commit()
    web = TestClient(app, base_url="https://testserver")
    login(web, admin.secret)
    bearer = {"Authorization": f"Bearer {admin.secret}"}
    public = {path for method, path in PUBLIC if method == "GET"}
    checked = 0
    for path in _get_paths(app):
        if path == "/readyz":  # opens its own connection, which the test's open transaction
            continue          # would block on SQLite; its policy is checked below
        response = web.get(path, headers={} if path.startswith("/giam-sat") else bearer,
                           follow_redirects=False)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        if path in public and may_be_cached(path):
            assert response.headers.get("Cache-Control") != NO_STORE or path == "/login"
        else:
            assert response.headers.get("Cache-Control") == NO_STORE, (path, response.headers)
        checked += 1
    assert checked > 30
    # exports, errors and refusals too
    for path in ("/giam-sat/qua-han.xlsx", "/giam-sat/ho-so/NOPE",
                 f"/api/v1/dossiers/{seeded.late.code}",
                 "/api/v1/reports/period?from=2026-01-01&to=2026-02-01&format=csv",
                 "/api/v1/reports/period?from=2026-01-01&to=2026-02-01&format=xlsx"):
        response = web.get(path, headers={} if path.startswith("/giam-sat") else bearer)
        assert response.headers["Cache-Control"] == NO_STORE, path
    anonymous = TestClient(app)
    for path in ("/api/v1/dossiers/overdue", "/giam-sat/qua-han", "/login", "/metrics"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.headers["Cache-Control"] == NO_STORE, path
    assert not may_be_cached("/readyz") and not may_be_cached("/healthz")
    assert anonymous.get("/static/app.css").headers.get("Cache-Control") != NO_STORE
    assert anonymous.get("/").headers["Cache-Control"] == "public, max-age=60"


def _series(text: str) -> set[str]:
    return {line.split(" ")[0] for line in text.splitlines()
            if line.startswith("tthc_http_requests_total{")}


def test_invented_methods_are_counted_under_one_label(client: TestClient) -> None:
    before = _series(client.get("/metrics").text)
    for _ in range(30):
        client.request(f"X{uuid.uuid4().hex[:8].upper()}", "/healthz")
        client.request(f"Y{uuid.uuid4().hex[:8].upper()}", f"/nope/{uuid.uuid4().hex}")
    after = _series(client.get("/metrics").text)
    new = after - before
    methods = {re.search(r'method="([^"]+)"', s).group(1) for s in after}  # type: ignore[union-attr]
    assert methods <= KNOWN_METHODS | {"OTHER"}, methods
    assert len(new) <= 4, new  # OTHER on /healthz and on "unmatched", a status or two


STRANGE_CODES = ["../../../login", "A/B-260302-0001", "H%2F01", "X?y=1#z", "Mã-hồ-sơ/2026",
                 "..%2F..%2Flogin"]


@pytest.fixture
def server(fresh_database_url: str) -> Iterator[tuple[BackgroundServer, str]]:
    """A real uvicorn: Starlette's TestClient decodes a path twice, so "%2F" in a code would
    not survive it (uvicorn decodes once, as every server does)."""
    now = datetime.now(UTC)
    engine = make_engine(fresh_database_url)
    with session_scope(make_session_factory(engine)) as session:
        agency = make_agency(session, "TINH", "UBND tỉnh")
        procedure = make_procedure(session, "1.001", "1", "working_days")
        dossiers = []
        for code in STRANGE_CODES:
            dossier = make_dossier(session, code, agency, procedure, now - timedelta(days=20))
            add_event(session, dossier, now - timedelta(days=20), 2, "Tiếp nhận")
            dossiers.append(dossier)
        refresh_deadlines(session, dossiers, now)
        secret = create_token(session, name="a", role="admin", agency=None, now=now).secret
    settings = settings_for(fresh_database_url, environment="development")  # cookies over http
    with BackgroundServer(create_app(settings, engine)) as running:
        yield running, secret
    engine.dispose()


def test_every_dossier_link_opens_its_own_page(server: tuple[BackgroundServer, str]) -> None:
    running, secret = server
    with httpx.Client(base_url=running.url) as web:
        nonce = NONCE.search(web.get("/login").text)
        assert nonce is not None
        web.post("/login", data={"token": secret, "csrf_token": nonce.group(1)})
        html = web.get("/giam-sat/qua-han").text
        links = re.findall(r'href="(/giam-sat/ho-so/[^"]+)"', html)
        assert len(links) == len(STRANGE_CODES), html[:500]
        for link in links:
            assert link.count("/") == 3, link  # the code is one path segment
            assert ".." not in link.split("/")  # never a dot segment a browser would resolve
            page = web.get(link.replace("&amp;", "&"))
            assert page.status_code == 200, (link, page.status_code)
            shown = re.search(r"<title>Hồ sơ (.+?) · ", page.text)
            assert shown is not None
            assert shown.group(1).replace("&amp;", "&") == unquote(link.rsplit("/", 1)[1])
        for code in STRANGE_CODES:
            api = web.get(f"/api/v1/dossiers/{quote(code, safe='')}",
                          headers={"Authorization": f"Bearer {secret}"})
            assert api.status_code == 200 and api.json()["code"] == code, api.text[:200]
