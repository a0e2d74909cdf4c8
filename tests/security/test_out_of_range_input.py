"""W7: out-of-range input is a clear 4xx on every route, never a 500.

Before: `/api/v1/public/rates?from=0001-01-01&to=0002-01-01` (no token needed),
`/api/v1/public/apologies?cursor=99999999999999999999`, year-9999 dates, oversized cursors and
a signed webhook body nested beyond ~1,000 levels answered 500 with a long traceback.

The walk reads the application's own route table: every query and path parameter of every
route gets values at and beyond the edges of its type (years 1 and 9999, integers beyond 64
bits, cursors naming impossible rows, 5,000-character strings, NUL), as the caller the route
expects (anonymous on public routes, an admin token on the API, an admin session on the
dashboard). A route or parameter added later is walked without changing this test.
"""

from __future__ import annotations

import base64
import json
import time
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.core.clock import LOCAL_TZ
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.dashboard.helpers import csrf_of, login, seed
from tests.security.test_route_auth import PUBLIC

SKIPPED = {"/api/v1/webhooks/dvc"}  # signed: its hostile bodies are tested below


def _cursor(*values: Any) -> str:
    raw = json.dumps(list(values)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE: dict[type, list[str]] = {
    date: ["0001-01-01", "9999-12-31", "0000-01-01", "2026-02-30", "99999-01-01"],
    datetime: ["0001-01-01T00:00:00", "0001-01-01T00:00:00-12:00", "9999-12-31T23:59:59",
               "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59Z", "2026-13-01T00:00:00"],
    int: ["99999999999999999999", "-99999999999999999999", "2147483648", "-2147483649", "-1",
          "0"],
    bool: ["maybe"],
    str: ["x" * 5000, "\x00", "99999999999999999999", "-1", "%00", "../../../login",
          "9999-12-31"],
}
CURSORS = ["99999999999999999999", "-99999999999999999999", "A" * 5000,
           _cursor("9999-12-31T23:59:59+00:00", 10**20),
           _cursor("0001-01-01T00:00:00+00:00", -(10**20)), _cursor("x", "y"), _cursor(),
           _cursor("9999-12-31T23:59:59", 1)]


def _base_type(annotation: Any) -> type | None:
    """date, datetime, int, bool or str behind Optional/list/Literal annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return str
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _base_type(arg)
            if found is not None:
                return found
        return None
    for kind in (datetime, date, bool, int, str):  # datetime before date: it is one
        if isinstance(annotation, type) and issubclass(annotation, kind):
            return kind
    return None


def _params(dependant: Any, kind: str) -> Iterator[Any]:
    yield from getattr(dependant, kind)
    for sub in dependant.dependencies:
        yield from _params(sub, kind)


def hostile_values(name: str, annotation: Any) -> list[str]:
    base = _base_type(annotation)
    values = list(HOSTILE.get(base, [])) if base else []
    return values + CURSORS if name == "cursor" else values


def cases(app: FastAPI) -> Iterator[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(method, path template, path values, query) for every hostile value of every parameter."""
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route.original_route, "dependant", None)
        if dependant is None or str(route.path) in SKIPPED:
            continue
        path_params = {p.name: p for p in _params(dependant, "path_params")}
        defaults = {n: "1" if _base_type(p.field_info.annotation) is int else "2026-03-10"
                    if _base_type(p.field_info.annotation) is date else "H-LATE-01"
                    for n, p in path_params.items()}
        for method in sorted(route.methods or ()):
            for name, param in path_params.items():
                for value in hostile_values(name, param.field_info.annotation):
                    yield method, str(route.path), {**defaults, name: value}, {}
            query = list(_params(dependant, "query_params"))
            for param in query:
                for value in hostile_values(param.alias, param.field_info.annotation):
                    yield method, str(route.path), defaults, {param.alias: value}
            aliases = {p.alias for p in query}
            if {"from", "to"} <= aliases:  # both ends of a period at once
                for pair in (("0001-01-01", "0002-01-01"), ("9999-01-01", "9999-12-31"),
                             ("0001-01-01", "9999-12-31"), ("9999-12-31", "0001-01-01")):
                    yield method, str(route.path), defaults, dict(zip(("from", "to"), pair,
                                                                      strict=True))


def _url(path: str, values: dict[str, str]) -> str:
    from urllib.parse import quote

    for name, value in values.items():
        path = path.replace(f"{{{name}:path}}", quote(value, safe="")).replace(
            f"{{{name}}}", quote(value, safe=""))
    return path


def _problem(response: Any) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:200]}"
    if 400 <= response.status_code < 500 and "json" in response.headers.get("content-type", ""):
        body = response.json()
        if not (isinstance(body, dict) and body.get("reason")):
            return f"{response.status_code} without a reason: {response.text[:200]}"
    return None


def test_every_route_answers_out_of_range_input_with_a_4xx(
    app: FastAPI, db_session: Session
) -> None:
    now = datetime.now(UTC)
    seed(db_session, now)
    admin = create_token(db_session, name="admin", role="admin", agency=None, now=now)
    db_session.commit()
    bearer = {"Authorization": f"Bearer {admin.secret}"}
    anonymous = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    browser = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    login(browser, admin.secret)
    csrf = csrf_of(browser.get("/giam-sat/phieu-xin-loi").text)
    problems, sent = [], 0
    for method, path, values, query in cases(app):
        url = _url(path, values)
        if path.startswith("/giam-sat"):
            form = {"data": {"csrf_token": csrf}} if method == "POST" else {}
            response = browser.request(method, url, params=query, follow_redirects=False,
                                       **form)  # type: ignore[arg-type]
        elif (method, path) in PUBLIC:
            response = anonymous.request(method, url, params=query, follow_redirects=False)
        else:
            body = {"json": {}} if method in ("POST", "PATCH") else {}
            response = anonymous.request(method, url, params=query, headers=bearer,
                                         **body)  # type: ignore[arg-type]
        sent += 1
        problem = _problem(response)
        if problem:
            problems.append(f"{method} {url[:80]} {json.dumps(query)[:80]} -> {problem}")
    assert sent > 300
    assert not problems, f"{len(problems)} of {sent} requests:\n" + "\n".join(problems[:40])


BODIES: list[tuple[str, str, dict[str, Any]]] = [
    *[("POST", "/api/v1/calendar/overrides",
       {"day": day, "kind": "day_off", "reason": "r", "source": "s"})
      for day in HOSTILE[date]],
    *[("POST", "/api/v1/notices", {"dossier_code": "H-SOON-01", "new_due_at": at})
      for at in HOSTILE[datetime]],
    *[("PATCH", "/api/v1/notices/{draft}", {"new_due_at": at}) for at in HOSTILE[datetime]],
    ("POST", "/api/v1/notices", {"dossier_code": "x" * 5000}),
    ("POST", "/api/v1/notices", {"dossier_code": "H-SOON-01", "reason": "x" * 200_000}),
    ("POST", "/api/v1/quarantine/retry", {"ids": [10**20]}),
    ("POST", "/api/v1/quarantine/retry", {"ids": [-1, 0]}),
    ("PATCH", "/api/v1/notices/{draft}", {"signer_name": "\x00"}),
]


def test_json_bodies_with_out_of_range_values_are_4xx(
    client: TestClient, db_session: Session
) -> None:
    seeded = seed(db_session, datetime.now(UTC))
    admin = create_token(db_session, name="admin", role="admin", agency=None,
                         now=datetime.now(UTC))
    db_session.commit()
    bearer = {"Authorization": f"Bearer {admin.secret}"}
    problems = []
    for method, path, body in BODIES:
        url = path.replace("{draft}", str(seeded.draft_id))
        response = client.request(method, url, json=body, headers=bearer)
        problem = _problem(response)
        if problem or response.status_code < 400:
            problems.append(f"{method} {url} {json.dumps(body)[:80]} -> "
                            f"{problem or response.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("depth", [40, 1_100, 100_000])
def test_a_signed_webhook_body_nested_too_deep_is_400(client: TestClient, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    envelope = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", [])).replace(
        '"data": []', f'"data": [{{"MaHoSo": "X-1", "GhiChu": {nested}}}]')
    body = envelope.encode()
    headers = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
               "Content-Type": "application/json"}
    response = client.post("/api/v1/webhooks/dvc", content=body, headers=headers)
    assert response.status_code == 400, response.text[:300]
    assert "nests deeper" in response.json()["reason"]


def test_public_rates_without_parameters_cover_the_current_month_like_the_staff_rates(
    client: TestClient, db_session: Session
) -> None:
    """Before: 422 (from and to were required on the public endpoint only)."""
    admin = create_token(db_session, name="a", role="admin", agency=None, now=datetime.now(UTC))
    db_session.commit()
    public = client.get("/api/v1/public/rates")
    staff = client.get("/api/v1/rates", headers={"Authorization": f"Bearer {admin.secret}"})
    assert public.status_code == staff.status_code == 200, public.text
    period = (public.json()["period_from"], public.json()["period_to"])
    assert period == (staff.json()["period_from"], staff.json()["period_to"])
    today = datetime.now(LOCAL_TZ).date()
    start = datetime.fromisoformat(period[0]).astimezone(LOCAL_TZ)
    end = datetime.fromisoformat(period[1]).astimezone(LOCAL_TZ)
    assert (start.date(), start.hour) == (today.replace(day=1), 0)
    assert (end.date(), end.hour) == (today + timedelta(days=1), 0)
