"""Every route of `create_app()` is public by intent or refuses strangers.

The test walks the application's real route table. Each route must appear in exactly one of
PUBLIC (with the reason it is public) or PRIVATE (with how a caller of another agency is kept
out). A route added later without an entry fails `test_every_route_is_classified`; a route
whose guard is removed fails the anonymous or foreign-agency walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from app.auth.service import create_token
from app.auth.session_cookie import SESSION_COOKIE
from app.auth.sessions import open_session
from app.models import Notice
from app.scan.service import run_scan
from tests.scan.scenario import ONE_DAY_BEFORE, add_dossier, make_case

CODE = "000.00.12.H36-260302-0091"
OWN_AGENCY = "STP-LD"
FOREIGN_AGENCY = "STP-LD-B"

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the API description: routes and shapes, no data",
    ("GET", "/docs"): "Swagger UI page over /openapi.json",
    ("MOUNT", "/docs-assets"): "Swagger UI's own files (JS, CSS, icon), served for offline use",
    ("MOUNT", "/docs-assets/own"): "the script that starts Swagger UI on /docs",
    ("MOUNT", "/static"): "CSS, JS and icons of the dashboard",
    ("GET", "/healthz"): "liveness probe for the orchestrator",
    ("GET", "/readyz"): "readiness probe; reports check states only",
    ("GET", "/"): "the public page: aggregate rates and masked apologies (PUBLIC rules)",
    ("GET", "/login"): "the login form itself",
    ("POST", "/login"): "takes a token; rate limited and CSRF-nonce checked",
    ("GET", "/logout"): "confirmation form; shows nothing without a session",
    ("POST", "/logout"): "ends the caller's own session; CSRF checked",
    ("POST", "/auth/login"): "form login for API clients; rate limited",
    ("POST", "/auth/logout"): "ends the caller's own session; CSRF checked",
    ("GET", "/api/v1/public/rates"): "published aggregates per agency and month",
    ("GET", "/api/v1/public/apologies"): "published apologies with masked names",
    ("POST", "/api/v1/webhooks/dvc"): "no token: authenticated by its HMAC signature instead",
    ("POST", "/dvcqg/auth"): "a registered sender logs in; failed logins are rate limited",
    ("POST", "/dvcqg/api"): "no token: a registered sender's session authenticates it",
    ("POST", "/dvcqg/k/{url_key}/{service}"): "no token: a sender's secret URL key instead",
    ("GET", "/metrics"): "Prometheus scrape: aggregate counters and gauges, no row data",
}

# How a supervisor of another agency is kept out:
#   item    403 or 404 for a thing of the other agency
#   list    200 without a trace of the other agency's dossier
#   role    403: the route needs a role the supervisor does not have
#   global  reads data that belongs to no agency (any token may read it), reason given
# Every "list" route is also walked with two districts in test_list_scoping.py.
Guard = Literal["item", "list", "role", "global"]


@dataclass(frozen=True)
class Private:
    guard: Guard
    reason: str = ""
    query: str = ""


PRIVATE: dict[tuple[str, str], Private] = {
    ("GET", "/api/v1/auth/me"): Private("global", "the caller's own identity"),
    ("GET", "/api/v1/dossiers/overdue"): Private("list", query="as_of=2026-03-10T10:00:00Z"),
    ("GET", "/api/v1/dossiers/due-soon"): Private("list", query="as_of=2026-03-06T03:00:00Z"),
    ("GET", "/api/v1/dossiers/at-risk"): Private("list", query="as_of=2026-03-06T03:00:00Z"),
    ("GET", "/api/v1/dossiers/{code:path}"): Private("item"),
    ("GET", "/api/v1/calendar/overrides"): Private("global", "the province's calendar"),
    ("POST", "/api/v1/calendar/overrides"): Private("role"),
    ("DELETE", "/api/v1/calendar/overrides/{day}"): Private("role"),
    ("GET", "/api/v1/calendar/days"): Private(
        "global", "working days of the calendar", "from=2026-03-02&to=2026-03-09"),
    ("GET", "/api/v1/quarantine"): Private("list", query="status=all"),
    ("POST", "/api/v1/quarantine/retry"): Private(
        "global", "retries only the caller's entries (tests/security/test_scoped_ingest_views.py)"),
    ("GET", "/api/v1/ingest/runs"): Private("list"),
    ("GET", "/api/v1/jobs/runs"): Private("global", "scheduled job runs: counts only"),
    ("GET", "/api/v1/procedures"): Private("global", "the national procedure catalogue"),
    ("GET", "/api/v1/procedures/{procedure_code}"): Private(
        "global", "one procedure of the national catalogue"),
    ("GET", "/api/v1/rates"): Private("item", query=f"agency={OWN_AGENCY}"),
    ("GET", "/api/v1/reports/period"): Private(
        "item", query=f"from=2026-03-01&to=2026-04-01&agency={OWN_AGENCY}"),
    ("GET", "/api/v1/rates/units"): Private("list", query="from=2026-03-01&to=2026-04-01"),
    ("GET", "/api/v1/procedures/{procedure_code}/steps"): Private(
        "global", "a procedure's internal processes: catalogue data, no dossier"),
    ("PUT", "/api/v1/procedures/{procedure_code}/steps"): Private("role"),
    ("GET", "/api/v1/notices"): Private("list"),
    ("POST", "/api/v1/notices"): Private("item"),
    ("GET", "/api/v1/notices/{notice_id}"): Private("item"),
    ("PATCH", "/api/v1/notices/{notice_id}"): Private("item"),
    ("POST", "/api/v1/notices/{notice_id}/cancel"): Private("item"),
    ("POST", "/api/v1/notices/{notice_id}/{action}"): Private("item"),
    ("GET", "/api/v1/notices/{notice_id}/files/{fmt}"): Private("item"),
    ("GET", "/giam-sat"): Private("list"),
    ("GET", "/giam-sat/qua-han"): Private("list"),
    ("GET", "/giam-sat/sap-den-han"): Private("list"),
    ("GET", "/giam-sat/qua-han.xlsx"): Private("list"),
    ("GET", "/giam-sat/sap-den-han.xlsx"): Private("list"),
    ("GET", "/giam-sat/nguy-co-tre-han"): Private("list"),
    ("GET", "/giam-sat/nguy-co-tre-han.xlsx"): Private("list"),
    ("GET", "/giam-sat/kiem-tra-du-bao"): Private(
        "global", "the forecast's scores over every agency: counts and rates, no dossier"),
    ("GET", "/giam-sat/ho-so/{code:path}"): Private("item"),
    ("GET", "/giam-sat/phieu-xin-loi"): Private("list"),
    ("POST", "/giam-sat/phieu-xin-loi/soan"): Private("item"),
    ("POST", "/giam-sat/phieu-xin-loi/{notice_id}/sua"): Private("item"),
    ("POST", "/giam-sat/phieu-xin-loi/{notice_id}/{step}"): Private("item"),
    ("GET", "/giam-sat/phieu-xin-loi/{notice_id}/tep.{fmt}"): Private("item"),
    ("GET", "/giam-sat/thu-tuc/{procedure_code}"): Private(
        "global", "one procedure of the catalogue; its dossier count is the caller's own"),
    ("GET", "/giam-sat/cach-ly"): Private("list", query="trang_thai=all"),
    ("GET", "/giam-sat/chat-luong-du-lieu"): Private("list"),
    ("GET", "/giam-sat/don-vi-xu-ly"): Private("list", query="from=2026-03-01&to=2026-04-01"),
    ("GET", "/giam-sat/so-theo-doi"): Private("list", query="from=2026-03-01&to=2026-04-01"),
    ("GET", "/giam-sat/phieu-kiem-soat"): Private("item", query=f"ma={CODE}"),
    ("GET", "/giam-sat/he-thong-gui"): Private("role"),
    ("POST", "/giam-sat/he-thong-gui"): Private("role"),
    ("POST", "/giam-sat/he-thong-gui/{name}/thu-hoi"): Private("role"),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("MOUNT", str(route.path)))
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, str(route.path)))
    return found


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = app_routes(app)
    unclassified = sorted(routes - PUBLIC.keys() - PRIVATE.keys())
    assert not unclassified, (
        f"routes neither public by intent nor guarded in this test: {unclassified}; "
        "add each to PUBLIC (with a reason) or PRIVATE (with its agency guard)"
    )
    assert not PUBLIC.keys() & PRIVATE.keys()
    assert all(reason for reason in PUBLIC.values())
    assert all(p.reason for p in PRIVATE.values() if p.guard == "global")
    stale = sorted((PUBLIC.keys() | PRIVATE.keys()) - routes)
    assert not stale, f"entries for routes that no longer exist: {stale}"


@dataclass
class World:
    notice_id: int
    foreign_headers: dict[str, str]
    foreign_cookie: str
    csrf: str


@pytest.fixture
def world(db_session: Session, app: FastAPI) -> World:
    case = make_case(db_session)
    make_case(db_session, "-B")
    dossier = add_dossier(db_session, case, CODE)
    run_scan(db_session, ONE_DAY_BEFORE)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    created = create_token(db_session, name="foreign", role="supervisor", agency=FOREIGN_AGENCY,
                           now=datetime.now(UTC))
    opened = open_session(db_session, created.token.id, datetime.now(UTC))
    db_session.commit()
    return World(notice.id, {"Authorization": f"Bearer {created.secret}"}, opened.secret,
                 opened.session.csrf_token)


def concrete(path: str, notice_id: int) -> str:
    values = {"code": CODE, "notice_id": str(notice_id), "day": "2026-03-10", "fmt": "pdf",
              "action": "approve", "name": "opencps", "procedure_code": "1.001000",
              "step": "duyet"}
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: values[m.group(1)], path)


def send(client: TestClient, method: str, path: str, **kwargs: object) -> object:
    return client.request(method, path, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def private_cases() -> Iterator[tuple[str, str]]:
    yield from sorted(PRIVATE)


@pytest.mark.parametrize(("method", "path"), list(private_cases()))
def test_anonymous_callers_are_refused(
    client: TestClient, world: World, method: str, path: str
) -> None:
    url = concrete(path, world.notice_id)
    if path.startswith("/giam-sat"):
        response = client.request(method, url, data={"csrf_token": "x"}, follow_redirects=False)
        assert response.status_code == 303, response.text[:300]
        assert response.headers["location"].startswith("/login?next=")
    else:
        body = {"json": {}} if method in {"POST", "PATCH"} else {}
        response = client.request(method, url, **body)  # type: ignore[arg-type]
        assert response.status_code == 401, response.text[:300]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_webhook_refuses_an_unsigned_anonymous_delivery(client: TestClient) -> None:
    response = client.post("/api/v1/webhooks/dvc", content=b'{"service": "DongBoHoSoMC"}')
    assert response.status_code == 401


def _no_trace(content: bytes) -> bool:
    if content.startswith(b"PK"):  # an xlsx export: look inside the sheets
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(content), read_only=True)
        cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                 for c in row if c is not None]
        return not any(CODE in c for c in cells)
    return CODE.encode() not in content


@pytest.mark.parametrize(("method", "path"), list(private_cases()))
def test_foreign_agency_callers_are_refused(
    client: TestClient, world: World, method: str, path: str
) -> None:
    rule = PRIVATE[(method, path)]
    url = concrete(path, world.notice_id) + (f"?{rule.query}" if rule.query else "")
    if path.startswith("/giam-sat"):
        client.cookies.set(SESSION_COOKIE, world.foreign_cookie)
        form = {"csrf_token": world.csrf}
        if path.endswith("/soan"):  # drafting names the dossier in the form
            form["ma_ho_so"] = CODE
        response = client.request(method, url, data=form, follow_redirects=False)
    else:
        body: dict[str, object] = {}
        if (method, path) == ("POST", "/api/v1/notices"):
            body = {"json": {"dossier_code": CODE}}
        elif method == "PATCH":
            body = {"json": {"body": "sửa"}}
        response = client.request(method, url, headers=world.foreign_headers,
                                  **body)  # type: ignore[arg-type]
    if rule.guard == "item":
        assert response.status_code in (403, 404), response.text[:300]
    elif rule.guard == "role":
        assert response.status_code == 403, response.text[:300]
    elif response.status_code == 303:  # /giam-sat sends a supervisor on to a work list
        assert response.headers["location"].startswith("/giam-sat/")
    else:
        assert response.status_code == 200, response.text[:300]
    if response.status_code == 200:  # a refusal may echo the code the caller sent itself
        assert _no_trace(response.content), f"{method} {path} shows the other agency's dossier"


@pytest.mark.parametrize("path", [
    "/api/v1/dossiers/overdue?as_of=2026-03-10T10:00:00Z", f"/api/v1/dossiers/{CODE}",
    "/api/v1/notices",
])
def test_the_owner_does_see_it(
    client: TestClient, world: World, auth_headers: Callable[..., dict[str, str]], path: str
) -> None:
    """The control: the foreign-agency assertions above could fail."""
    response = client.get(path, headers=auth_headers("supervisor", agency=OWN_AGENCY))
    assert response.status_code == 200 and CODE in response.text
