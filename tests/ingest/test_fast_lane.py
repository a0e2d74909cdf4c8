"""The push routes' fast lane (app/ingest/fast_lane.py, app/ingest/fast_accept.py), on
PostgreSQL: what it accepts is answered as the application answers it, and everything it does
not accept reaches the application unchanged and gets the application's own answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

from app.core.clock import utcnow
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest import fast_accept
from app.ingest.fast_accept import FastAccepts
from app.metrics.requests import REQUESTS
from app.senders.service import Credentials, revoke_sender
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.push_queue_support import (  # postgresql_only: autouse here
    client_for,
    postgresql_only,  # noqa: F401
    prepare,
)
from tests.ingest.senders import opencps
from tests.ingest.senders.scenarios import IN_CATALOGUE
from tests.ingest.test_webhook import body_of, headers

WEBHOOK, API = "/api/v1/webhooks/dvc", "/dvcqg/api"
CODE = "H21.65-251201-0001"
#: what differs between two answers of one delivery by design
_PER_ANSWER = ("run_id",)
_PER_RESPONSE = ("x-request-id", "content-length", "date", "server")
_INSTANT = re.compile(r"\d+ s old|\d\d:\d\d(:\d\d)? \d\d/\d\d/\d{4}|\d{4}-\d\d-\d\dT[\d:.+]+")


def _json(client: TestClient, path: str, body: Any) -> Response:
    return client.post(path, content=json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _login(client: TestClient, creds: Credentials) -> str:
    reply = _json(client, "/dvcqg/auth", {"username": creds.username,
                                          "password": creds.password})
    return str(reply.json()["session"])


def _signed(client: TestClient, data: list[Any], service: str = "DongBoHoSoMC",
            t: int | None = None, body: bytes | None = None) -> Response:
    body = body if body is not None else body_of(data, service)
    return client.post(WEBHOOK, content=body, headers=headers(body, t))


def _api(client: TestClient, session: str, service: str, **fields: Any) -> Response:
    return _json(client, API, opencps.envelope(session, service, **fields))


def _handed_over(client: TestClient) -> bool:
    """Whether a push delivery reached the application's accept path (its group writer is
    made at the first one)."""
    return getattr(client.app.state, "accepting", None) is not None  # type: ignore[attr-defined]


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _first(code: str = CODE) -> dict[str, Any]:
    return dossier(code, status=2, procedure=IN_CATALOGUE,
                   steps=[step(code, stamp(1, 8, month=12), 2)])


def _answer(response: Response) -> tuple[int, dict[str, str], Any]:
    """Status, headers and body, without what differs between two servers' answers: row ids
    and the instants of the run (a replayed copy's 409 names when the first was received)."""
    body = json.loads(_INSTANT.sub("INSTANT", response.text))
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _PER_ANSWER}
    kept = {k: v for k, v in response.headers.items() if k not in _PER_RESPONSE}
    return response.status_code, kept, body


def test_the_lane_accepts_a_signed_and_an_opencps_delivery(fresh_database_url: str) -> None:
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        session = _login(client, creds)
        signed = _signed(client, [_first()])
        sent = _api(client, session, "DongBoHoSoMC", data=[_first("H21.65-251201-0002")])
        assert not _handed_over(client)
        for reply in (signed, sent):
            assert reply.status_code == 200, reply.text
            assert reply.json()["error_code"] == 0 and reply.json()["queued"] == 1
            assert "thành công" in reply.json()["message"]
            assert reply.headers["content-type"] == "application/json"
            assert reply.headers["cache-control"] == "no-store"
            assert reply.headers["x-frame-options"] == "DENY"
            assert len(reply.headers["x-request-id"]) == 32
        assert _count(engine, "push_queue") == 2
        assert _count(engine, "webhook_delivery") == 1
        client.app.state.push_queue.drain_ahead()  # type: ignore[attr-defined]
        assert _count(engine, "dossier") == 2
    engine.dispose()


def test_a_safe_request_id_is_echoed(fresh_database_url: str) -> None:
    prepare(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        body = body_of([_first()])
        reply = client.post(WEBHOOK, content=body,
                            headers={**headers(body), "X-Request-ID": "sender-42.a"})
        assert reply.headers["x-request-id"] == "sender-42.a"
        assert not _handed_over(client)


Scenario = Callable[[TestClient, str], list[Response]]


def _accepted(client: TestClient, session: str) -> list[Response]:
    return [_signed(client, [_first()]),
            _api(client, session, "DongBoHoSoMC", data=[_first("H21.65-251201-0002")]),
            _api(client, session, "CapNhatTienDoHoSoMC",
                 data=[step("H21.65-251201-0002", stamp(1, 9, month=12), 4)])]


def _refused(client: TestClient, session: str) -> list[Response]:
    body = body_of([_first()])
    return [client.post(WEBHOOK, content=body, headers=headers(body, secret="x" * 40)),
            _signed(client, [_first()], t=1),  # signed long ago
            _api(client, "not-a-session", "DongBoHoSoMC", data=[_first()]),
            client.post(API, content=b"{not json"),
            _api(client, session, "NoSuchService", data=[_first()]),
            _api(client, session, "DongBoHoSoMC", data="not a list")]


def _inline(client: TestClient, session: str) -> list[Response]:
    """Deliveries the queue does not take: the inline path answers them."""
    orphan = [step("H21.65-251201-0009", stamp(1, 9, month=12), 4)]
    return [_signed(client, orphan, "CapNhatTienDoHoSoMC"),
            _api(client, session, "CapNhatTienDoHoSoMC", data=orphan),
            _api(client, session, "DongBoHoSoMC",
                 data=[dict(_first(), NgayTiepNhan="không phải ngày")]),
            _api(client, session, "LayThuTuc", maTTHC=IN_CATALOGUE),
            _api(client, session, "TraCuuHoSo", mahoso=CODE)]


def _replayed(client: TestClient, session: str) -> list[Response]:
    body = body_of([_first()])
    return [_signed(client, [], body=body), _signed(client, [], body=body)]


@pytest.mark.parametrize("scenario", [_accepted, _refused, _inline, _replayed],
                         ids=["accepted", "refused", "inline", "replayed"])
def test_every_answer_is_the_applications(fresh_database_url: str, database_factory: Any,
                                          scenario: Scenario) -> None:
    """The same deliveries to two servers, the lane on and off: the same statuses, headers
    and bodies (but the rows' ids)."""
    answers = []
    for lane in (True, False):
        url = fresh_database_url if lane else database_factory.create("postgresql")
        creds = prepare(url)
        with client_for(url, "queued", held=True, push_fast_lane=lane) as client:
            answers.append([_answer(r) for r in scenario(client, _login(client, creds))])
            if lane and scenario is _accepted:  # a step of a queued dossier included
                assert not _handed_over(client)
    assert answers[0] == answers[1]


@pytest.mark.parametrize("off", [{"webhooks_enabled": False}, {"dvcqg_enabled": False}],
                         ids=["webhooks-off", "dvcqg-off"])
def test_a_disabled_route_is_answered_by_the_application(
    fresh_database_url: str, database_factory: Any, off: dict[str, bool]
) -> None:
    answers = []
    for lane in (True, False):
        url = fresh_database_url if lane else database_factory.create("postgresql")
        creds = prepare(url)
        engine = make_engine(url)
        with client_for(url, "queued", held=True, push_fast_lane=lane, **off) as client:
            token = _login(client, creds) if "webhooks_enabled" in off else "none"
            answers.append([_answer(r) for r in _accepted(client, token)])
            assert _count(engine, "push_queue") == (1 if "dvcqg_enabled" in off else 2)
        engine.dispose()
    assert answers[0] == answers[1]


def test_the_replayed_copy_writes_nothing(fresh_database_url: str) -> None:
    prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        body = body_of([_first()])
        assert _signed(client, [], body=body).status_code == 200
        before = {t: _count(engine, t) for t in ("push_queue", "raw_record", "ingest_run")}
        assert _signed(client, [], body=body).status_code == 409
        assert {t: _count(engine, t) for t in before} == before
    engine.dispose()


def _revoke(engine: Engine) -> None:  # as `tthc senders revoke`: its sessions deleted
    with session_scope(make_session_factory(engine)) as db:
        revoke_sender(db, "sender", utcnow())


def _revoke_keeping_sessions(engine: Engine) -> None:  # the statement checks the sender too
    with engine.begin() as conn:
        conn.execute(text("UPDATE sender SET revoked_at = now()"))


def _expire(engine: Engine) -> None:  # unused for 31 days, the lifetime 30
    with engine.begin() as conn:
        conn.execute(text("UPDATE sender_session SET last_used_at = now() - interval '31 days'"))


@pytest.mark.parametrize("change", [_revoke, _revoke_keeping_sessions, _expire],
                         ids=["revoked", "revoked-sessions-kept", "expired"])
def test_a_session_the_lane_knew_is_refused_once_it_is_no_longer_live(
    fresh_database_url: str, change: Callable[[Engine], None]
) -> None:
    """The lane keeps a session's sender (name, agency) for a minute, but the statement that
    accepts checks the session and the sender again: a revocation or an expiry counts at
    once."""
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True, dvcqg_session_days=30) as client:
        session = _login(client, creds)
        assert _api(client, session, "DongBoHoSoMC", data=[_first()]).status_code == 200
        change(engine)
        refused = _api(client, session, "DongBoHoSoMC", data=[_first("H21.65-251201-0002")])
        assert refused.status_code == 401, refused.text
        assert _count(engine, "push_queue") == 1
    engine.dispose()


def test_a_session_unused_for_minutes_is_noted_as_used(fresh_database_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's last use is noted every `TOUCH_AFTER` (what expiry counts from): the lane,
    which does not write it, hands such a delivery to the application, which does."""
    monkeypatch.setattr(fast_accept, "SENDER_SECONDS", 0.0)  # what the lane read is old
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        session = _login(client, creds)
        with engine.begin() as conn:
            conn.execute(text("UPDATE sender_session SET last_used_at = now() - "
                              "interval '10 minutes'"))
        assert _api(client, session, "DongBoHoSoMC", data=[_first()]).status_code == 200
        assert _handed_over(client)
        with engine.connect() as conn:
            idle = conn.execute(text("SELECT now() - last_used_at FROM sender_session")).scalar()
        assert idle < timedelta(minutes=1)
    engine.dispose()


def test_a_handed_over_delivery_takes_one_rate_limit_token(fresh_database_url: str) -> None:
    prepare(fresh_database_url)
    orphan = [step("H21.65-251201-0009", stamp(1, 9, month=12), 4)]
    with client_for(fresh_database_url, "queued", held=True, webhook_burst=2,
                    webhook_rate_per_minute=0.01) as client:
        assert _signed(client, orphan, "CapNhatTienDoHoSoMC").status_code == 200  # inline
        assert _handed_over(client)
        assert _signed(client, [_first()]).status_code == 200
        limited = _signed(client, [_first("H21.65-251201-0002")])
        assert limited.status_code == 429, limited.text


def test_a_database_error_hands_the_delivery_over(fresh_database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        async def broken(_self: FastAccepts, _params: dict[str, Any]) -> Any:
            raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(FastAccepts, "accept", broken)
        reply = _signed(client, [_first()])
        assert reply.status_code == 200 and reply.json()["error_code"] == 0
        assert _handed_over(client)
        assert _count(engine, "push_queue") == 1
    engine.dispose()


def test_a_database_error_reading_the_session_hands_the_delivery_over(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = prepare(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        async def broken(_self: FastAccepts, _hashes: Any) -> Any:
            raise psycopg.OperationalError("sorry, too many clients already")

        monkeypatch.setattr(FastAccepts, "_read_sessions", broken)
        reply = _api(client, _login(client, creds), "DongBoHoSoMC", data=[_first()])
        assert reply.status_code == 200 and reply.json()["error_code"] == 0, reply.text
        assert _handed_over(client)


def test_a_large_delivery_goes_to_the_application(fresh_database_url: str) -> None:
    """Bodies over `MAX_BODY_BYTES` (64 KiB) are not parsed on the event loop."""
    prepare(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        big = body_of([_first(f"H21.65-251202-{n:04d}") for n in range(150)])
        assert len(big) > 64 * 1024
        assert _signed(client, [], body=big).json()["error_code"] == 0
        assert _handed_over(client)


def test_the_lanes_connections_keep_the_urls_options_and_hide_its_password() -> None:
    from sqlalchemy.engine import make_url

    from app.ingest.fast_accept import lane_conninfo

    url = make_url("postgresql+psycopg://u:p%40ss@db:6432/tthc?options=-c%20search_path%3Dx")
    conninfo = lane_conninfo(url)
    assert "password=p@ss" in conninfo and "port=6432" in conninfo
    assert "options='-c search_path=x -c plan_cache_mode=force_generic_plan" in conninfo
    assert "statement_timeout=" in conninfo and "connect_timeout=" in conninfo
    assert "p@ss" not in repr(FastAccepts(url)) and "p%40ss" not in repr(FastAccepts(url))


def test_a_body_over_the_limit_is_refused_by_the_application(fresh_database_url: str) -> None:
    prepare(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True,
                    webhook_max_body_bytes=2048) as client:
        big = body_of([dict(_first(), TrichYeuHoSo="x" * 4000)])
        assert _signed(client, [], body=big).status_code == 413


def test_the_lane_counts_its_requests(fresh_database_url: str) -> None:
    prepare(fresh_database_url)
    counted = REQUESTS.labels("POST", WEBHOOK, "200")
    before = counted._value.get()
    with client_for(fresh_database_url, "queued", held=True) as client:
        assert _signed(client, [_first()]).status_code == 200
        assert not _handed_over(client)
    assert counted._value.get() == before + 1


def test_the_lane_is_off_on_sqlite_and_inline() -> None:
    from app.core.config import Settings
    from app.main import create_app

    for settings in (Settings(environment="test", database_url="sqlite://",
                              webhook_secret=TEST_WEBHOOK_SECRET),
                     Settings(environment="test", push_processing="inline",
                              webhook_secret=TEST_WEBHOOK_SECRET,
                              database_url="postgresql+psycopg://u@127.0.0.1/x")):
        assert create_app(settings).state.fast_accepts is None


def test_a_connection_is_closed_after_its_deliveries(fresh_database_url: str) -> None:
    """With two deliveries per connection: the second answer closes it, the count starts
    again on the next connection (TestClient's requests all come from one address)."""
    prepare(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True,
                    push_requests_per_connection=2) as client:
        closing = [_signed(client, [_first(f"H21.65-251201-{n:04d}")]).headers.get("connection")
                   for n in range(1, 6)]
    assert closing == [None, "close", None, "close", None]


def test_connection_turns_count_per_client_and_forget_in_bulk() -> None:
    from app.ingest.fast_lane import ConnectionTurns

    turns = ConnectionTurns()
    a, b = ("10.0.0.1", 5000), ("10.0.0.1", 5001)
    assert [turns.last(a, 3) for _ in range(4)] == [False, False, True, False]
    assert turns.last(b, 3) is False and turns.answered[b] == 1
    assert not any(turns.last(a, 0) for _ in range(10))  # 0: never
    assert turns.last(None, 1) is False  # no client address (a Unix socket)
    turns.answered = {("h", port): 1 for port in range(ConnectionTurns.REMEMBERED)}
    turns.last(a, 3)
    assert turns.answered == {a: 1}  # everything forgotten, a counted again from here


def test_a_request_handed_over_keeps_the_lanes_request_id() -> None:
    from app.api.middleware import REQUEST_ID, request_id_of

    assert request_id_of({REQUEST_ID: "abc", "headers": [(b"x-request-id", b"other")]}) == "abc"
    assert request_id_of({"headers": [(b"x-request-id", b"sender-1")]}) == "sender-1"
    assert len(request_id_of({"headers": [(b"x-request-id", b"bad id!")]})) == 32


def test_a_step_of_a_stored_dossier_is_accepted_on_either_layout(fresh_database_url: str
                                                                 ) -> None:
    """The statement finds a stored dossier in `dossier_key` when `dossier` is partitioned
    (migration 0004; one index rather than one per month), in `dossier` otherwise."""
    prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with engine.connect() as conn:
        keyed = conn.execute(text("SELECT to_regclass('dossier_key') IS NOT NULL")).scalar()
    with client_for(fresh_database_url, "queued", held=True) as client:
        assert _signed(client, [_first()]).status_code == 200
        client.app.state.push_queue.drain_ahead()  # type: ignore[attr-defined]
        assert _count(engine, "dossier") == 1 and _count(engine, "push_queue") == 0
        reply = _signed(client, [step(CODE, stamp(1, 9, month=12), 4)], "CapNhatTienDoHoSoMC")
        assert reply.json()["error_code"] == 0 and reply.json()["queued"] == 1
        assert not _handed_over(client)
        assert client.app.state.fast_accepts._keyed is keyed  # type: ignore[attr-defined]
    engine.dispose()
