"""The push routes served by lean ASGI apps (app/ingest/lean_push.py) answer exactly as
FastAPI's own handlers of the same routes: status, body and headers, refusals included."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import Route

from app.core.clock import utcnow
from app.ingest import lean_push
from app.senders.service import add_sender
from tests.factories import make_agency
from tests.ingest.payloads import dossier
from tests.ingest.test_webhook import body_of, headers

WEBHOOK = "/api/v1/webhooks/dvc"
#: differ from one request to the next whoever answers
VARYING = {"x-request-id", "date"}

Send = Callable[[TestClient, str], Any]


def _fastapi_apps(app: FastAPI) -> None:
    """Put back the apps FastAPI gave the push routes."""
    app.router.routes[:] = [r for r in app.router.routes if isinstance(r, APIRoute)
                            or getattr(r, "path", None) not in lean_push.LEAN]


def _answer(response: Any) -> tuple[int, dict[str, str], Any]:
    kept = {k: v for k, v in response.headers.items() if k not in VARYING}
    return response.status_code, kept, response.content


_SIGNED = iter(range(2, 100))


def _signed(client: TestClient, _key: str) -> Any:
    """A fresh delivery each time (a copy would be refused as a replay), its record refused."""
    code = f"H21.65-250908-{next(_SIGNED):04d}"
    body = body_of([{"MaHoSo": code, "TrangThaiHoSo": "4"}])
    return client.post(WEBHOOK, content=body, headers=headers(body))


CASES: dict[str, Send] = {
    "bad signature": lambda c, _k: c.post(WEBHOOK, content=b"{}", headers=headers(b"{}", 1)),
    "no signature": lambda c, _k: c.post(WEBHOOK, content=b"{}"),
    "declared too large": lambda c, _k: c.post(
        WEBHOOK, content=b"{}", headers={"Content-Length": str(10**9)}),
    "content-length not a number": lambda c, _k: c.post(
        WEBHOOK, content=b"{}", headers={"Content-Length": "x"}),
    "other method": lambda c, _k: c.get(WEBHOOK),
    "dvcqg bad session": lambda c, _k: c.post("/dvcqg/api", content=json.dumps(
        {"session": "nope", "service": "DongBoHoSoMC", "data": [dossier()]}).encode()),
    "dvcqg not json": lambda c, _k: c.post("/dvcqg/api", content=b"\xff"),
    "keyed unknown key": lambda c, _k: c.post("/dvcqg/k/nope/DongBoHoSoMC", content=b"[]"),
    "keyed bad service": lambda c, k: c.post(f"/dvcqg/k/{k}/XoaHoSo", content=b"[]"),
    "keyed query too long (422)": lambda c, k: c.post(
        f"/dvcqg/k/{k}/DongBoHoSoMC?MaDinhDanhDV={'x' * 65}", content=b"[]"),
    "keyed query isUpdating too long": lambda c, k: c.post(
        f"/dvcqg/k/{k}/DongBoHoSoMC?isUpdating=123456789", content=b"[]"),
    "signed, record refused": _signed,
}


def test_the_push_routes_are_served_by_the_lean_apps(app: FastAPI) -> None:
    first = app.router.routes[:3]
    assert [(type(r), r.path) for r in first] == [  # type: ignore[attr-defined]
        (Route, "/api/v1/webhooks/dvc"), (Route, "/dvcqg/api"),
        (Route, "/dvcqg/k/{url_key}/{service}")]
    schema = app.openapi()["paths"]
    assert all("post" in schema[path] for path in lean_push.LEAN)  # still documented


@pytest.mark.parametrize("case", list(CASES))
def test_lean_push_apps_answer_as_fastapi_does(
    app: FastAPI, client: TestClient, db_session: Session, case: str
) -> None:
    make_agency(db_session, "H21.65", "UBND huyện Đông Hưng")
    key = add_sender(db_session, "opencps-h21", "H21.65", utcnow()).url_key
    lean = _answer(CASES[case](client, key))
    db_session.rollback()
    _fastapi_apps(app)
    fastapi = _answer(CASES[case](client, key))
    if case == "signed, record refused":  # each delivery has its own run; the rest is equal
        status, kept, content = lean
        reply, theirs = json.loads(content), json.loads(fastapi[2])
        assert reply.keys() == theirs.keys() and reply["stored"] == theirs["stored"] == 0
        assert reply["quarantined"] == theirs["quarantined"] == 1
        assert (status, kept) == fastapi[:2]
        return
    assert lean == fastapi
