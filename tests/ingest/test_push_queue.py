"""Push deliveries accepted, then processed (app/ingest/push_queue.py), on PostgreSQL: the same
deliveries leave the same rows as when processed inline, and every reply the senders read is
the one they read before (success says "thành công"; refusals are the inline path's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.clock import utcnow
from app.db.session import make_engine
from app.ingest.service import UNKNOWN_DOSSIER
from app.senders.service import Credentials
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.push_queue_support import (  # postgresql_only: autouse here
    client_for,
    postgresql_only,  # noqa: F401
    prepare,
    queued,
    stored,
)
from tests.ingest.senders.success_tests import opencps_accepts, td_dossier_accepts
from tests.ingest.test_sender_contracts import push_enrolment, push_opencps, push_td
from tests.ingest.test_webhook import body_of, headers

WEBHOOK = "/api/v1/webhooks/dvc"


def _keyed(client: TestClient, creds: Credentials, service: str, items: list[Any]) -> Any:
    body = json.dumps(items, ensure_ascii=False).encode("utf-8")
    return client.post(f"/dvcqg/k/{creds.url_key}/{service}", content=body)


def _signed(client: TestClient, data: list[Any], service: str = "DongBoHoSoMC",
            t: int | None = None) -> Any:
    body = body_of(data, service)
    return client.post(WEBHOOK, content=body, headers=headers(body, t))


def _bench_mix(client: TestClient, creds: Credentials) -> None:
    """The benchmark's shapes: a dossier's first snapshot, then its next step, signed and by
    URL key, four dossiers at a time."""
    codes = [f"H21.65-250910-{n:04d}" for n in range(1, 9)]
    for group in (codes[:4], codes[4:]):
        for code in group:
            first = dossier(code, status=2, steps=[step(code, stamp(10, 8), 2)])
            send = _signed if code[-1] in "1357" else (
                lambda c, d, s="DongBoHoSoMC": _keyed(c, creds, s, d))
            assert send(client, [first]).json()["error_code"] == 0
        for code in group:
            nxt = [step(code, stamp(10, 9), 4)]
            reply = (_signed(client, nxt, "CapNhatTienDoHoSoMC") if code[-1] in "1357"
                     else _keyed(client, creds, "CapNhatTienDoHoSoMC", nxt))
            assert reply.json()["error_code"] == 0, reply.text


def _refusals_and_fixes(client: TestClient, creds: Credentials) -> list[Any]:
    """A resend, a refused record fixed and resent, a step of an unknown dossier refused then
    sent again after its dossier; the replies (run ids left out)."""
    replies = []
    code = "H21.65-250911-0001"
    good = dossier(code, status=2, steps=[step(code, stamp(11, 8), 2)])
    bad = dict(good, NgayTiepNhan="không phải ngày")
    orphan = [step("H21.65-250911-0002", stamp(11, 9), 4)]
    for service, items in (("DongBoHoSoMC", [bad]), ("DongBoHoSoMC", [good]),
                           ("DongBoHoSoMC", [good]),  # the resend: unchanged
                           ("CapNhatTienDoHoSoMC", orphan),
                           ("DongBoHoSoMC", [dossier("H21.65-250911-0002", status=2)]),
                           ("CapNhatTienDoHoSoMC", orphan)):
        reply = _keyed(client, creds, service, items).json()
        reply.pop("run_id")
        replies.append(reply)
    return replies


def _everything(client: TestClient, creds: Credentials) -> list[Any]:
    push_opencps(client, creds)
    push_td(client, creds)
    push_enrolment(client, creds)
    _bench_mix(client, creds)
    return _refusals_and_fixes(client, creds)


Run = Callable[[str, str, bool], tuple[Any, ...]]


@pytest.fixture
def run_all(database_factory: Any) -> Run:
    def run(mode: str, label: str, held: bool) -> tuple[Any, ...]:
        url = database_factory.create("postgresql")
        creds = prepare(url)
        start = utcnow()
        with client_for(url, mode, held=held) as client:
            replies = _everything(client, creds)
        end = utcnow() + timedelta(seconds=1)
        engine = make_engine(url)
        assert queued(engine) == 0, label
        engine.dispose()
        return replies, stored(url, start, end)
    return run


@pytest.mark.parametrize("held", [False, True], ids=["processed-at-once", "processed-late"])
def test_queued_and_inline_leave_the_same_rows(run_all: Run, held: bool) -> None:
    """Processed as they come, or all late in large batches (the runs cut so that each names a
    dossier once), the senders' deliveries leave what inline processing leaves."""
    inline_replies, inline_rows = run_all("inline", "inline", False)
    queued_replies, queued_rows = run_all("queued", "queued", held)
    for table, rows in inline_rows.items():
        assert queued_rows[table] == rows, table
    # refusals answered as inline; accepted ones say "thành công" with nothing processed yet
    for inline, got in zip(inline_replies, queued_replies, strict=True):
        if inline["error_code"]:
            assert got == inline
        else:
            assert got["error_code"] == 0 and "thành công" in got["message"]


def test_replies_of_the_queued_path(fresh_database_url: str) -> None:
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    code = "H21.65-250912-0001"
    with client_for(fresh_database_url, "queued", held=True) as client:
        reply = _keyed(client, creds, "DongBoHoSoMC", [dossier(code, status=2)])
        assert td_dossier_accepts(reply.text) and opencps_accepts(reply.status_code, reply.text)
        assert reply.json()["queued"] == 1 and queued(engine) == 1
        with engine.connect() as conn:  # the processor notes the sender's last delivery
            assert conn.execute(text("SELECT last_delivery_at FROM sender")).scalar() is None
        # a step of a dossier still queued: accepted, stored after it
        later = _keyed(client, creds, "CapNhatTienDoHoSoMC", [step(code, stamp(12, 9), 4)])
        assert later.json()["error_code"] == 0 and queued(engine) == 2
        # a step of a dossier neither stored nor queued: refused now, as inline
        orphan = _keyed(client, creds, "CapNhatTienDoHoSoMC",
                        [step("H21.65-250912-0099", stamp(12, 9), 4)]).json()
        assert orphan["error_code"] == 422 and orphan["refused"][0]["reason"] == UNKNOWN_DOSSIER
        assert queued(engine) == 0  # the inline group processed the queue ahead of it
        with engine.connect() as conn:  # ... noted with it
            assert conn.execute(text("SELECT last_delivery_at FROM sender")).scalar_one()
        # a signed copy: 409 once the first is taken, nothing queued by it
        body = body_of([dossier("H21.65-250912-0002", status=2)])
        signed = headers(body)
        assert client.post(WEBHOOK, content=body, headers=signed).json()["error_code"] == 0
        copy = client.post(WEBHOOK, content=body, headers=signed)
        assert copy.status_code == 409 and queued(engine) == 1
        # TraCuuHoSo sees the sender's earlier deliveries
        login = client.post("/dvcqg/auth", json={"username": creds.username,
                                                 "password": creds.password}).json()
        found = client.post("/dvcqg/api", json={"session": login["session"],
                                                "service": "TraCuuHoSo",
                                                "mahoso": "H21.65-250912-0002"}).json()
        assert found["result"][0]["MaHoSo"] == "H21.65-250912-0002"
    with engine.connect() as conn:
        events = conn.execute(text(
            "SELECT e.status FROM dossier_event e JOIN dossier d ON d.id = e.dossier_id "
            "WHERE d.code = :code"), {"code": code}).scalars().all()
        minute = conn.execute(text(
            "SELECT sum(pages), sum(stored), sum(updated), sum(quarantined) FROM ingest_run "
            "WHERE source = 'dvcqg'")).one()
    engine.dispose()
    assert 4 in events
    assert tuple(minute) == (3, 2, 0, 1)  # snapshot and step stored, the orphan quarantined


def test_a_delivery_with_a_refused_record_is_not_queued(fresh_database_url: str) -> None:
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        good, bad = dossier("H21.65-250913-0001"), dossier("H21.65-250913-0002",
                                                          NgayTiepNhan="x")
        reply = _keyed(client, creds, "DongBoHoSoMC", [good, bad]).json()
        assert reply["error_code"] == 422 and reply["stored"] == 1, reply
        assert "thành công" not in json.dumps(reply, ensure_ascii=False)
        assert queued(engine) == 0
    engine.dispose()


def test_the_setting_is_inline_on_sqlite() -> None:
    from app.core.config import Settings

    assert not Settings(database_url="sqlite:///x.db", push_processing="queued").queues_pushes
    assert Settings(database_url="postgresql+psycopg://h/db").queues_pushes



def test_readyz_tells_the_queues_depth_and_when_it_is_behind(fresh_database_url: str) -> None:
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with client_for(fresh_database_url, "queued", held=True) as client:
        _keyed(client, creds, "DongBoHoSoMC", [dossier("H21.65-250917-0001", status=2)])
        advisory = client.get("/readyz").json()["advisories"]["push_queue"]
        assert (advisory["status"], advisory["depth"]) == ("ok", 1)
        with engine.begin() as conn:  # as if the processors had stopped two minutes ago
            conn.execute(text("UPDATE push_queue SET received_at = received_at - "
                              "interval '2 minutes'"))
        advisory = client.get("/readyz").json()["advisories"]["push_queue"]
        assert advisory["status"] == "behind" and advisory["oldest_age_seconds"] >= 120
        assert client.get("/readyz").status_code == 200  # advisory: still ready
        metrics = client.get("/metrics").text
        assert "tthc_push_queue_depth 1.0" in metrics
    engine.dispose()


def test_a_resent_payload_archived_by_retention_takes_the_inline_path(
    fresh_database_url: str,
) -> None:
    """Retention empties the payload of a long-finished dossier's raw row (app/retention): the
    processor would read that empty text, so a resend of the same payload is ingested inline
    from the request's own copy, as before the queue, instead of being quarantined later."""
    creds = prepare(fresh_database_url)
    engine = make_engine(fresh_database_url)
    code = "H21.65-250912-0007"
    sent = [dossier(code, status=2)]
    with client_for(fresh_database_url, "queued", held=True) as client:
        assert _keyed(client, creds, "DongBoHoSoMC", sent).json()["queued"] == 1
    with engine.begin() as conn:  # processed at the stop; then archived, as retention does
        conn.execute(text("DELETE FROM dossier_event"))
        conn.execute(text("DELETE FROM dossier_step_state"))
        conn.execute(text("DELETE FROM dossier_applicant"))
        conn.execute(text("DELETE FROM dossier_anomaly"))
        conn.execute(text("DELETE FROM dossier_transition"))
        conn.execute(text("DELETE FROM dossier"))
        conn.execute(text("UPDATE raw_record SET payload = '', archived_in = 'raw-2026.jsonl.gz'"))
    with client_for(fresh_database_url, "queued", held=True) as client:
        again = _keyed(client, creds, "DongBoHoSoMC", sent).json()
        assert again["error_code"] == 0 and "queued" not in again, again
        assert again["stored"] == 1 and queued(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM quarantine")).scalar_one() == 0
        assert conn.execute(text("SELECT code FROM dossier")).scalars().all() == [code]
    engine.dispose()
