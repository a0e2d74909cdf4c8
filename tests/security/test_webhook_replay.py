"""W13: a signed webhook delivery is taken once; a replay within the window adds nothing.

Before: the same body with the same signature, sent again inside the 300 s window, was
ingested again (one more ingest_run row and one more reception each time).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.session import make_engine, session_scope
from app.ingest import webhook as webhook_module
from app.ingest.jobs import purge_webhook_deliveries_job
from app.main import create_app
from app.models import IngestRun, RawRecord, WebhookDelivery
from connectors import build_envelope
from connectors.portal.signing import compute_mac, sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier
from tests.reliability.test_replicas import settings_for

URL = "/api/v1/webhooks/dvc"


def signed(code: str = "H21.65-250908-0001", t: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", [dossier(code)])).encode()
    t = int(time.time()) if t is None else t
    return body, {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, t),
                  "Content-Type": "application/json"}


def counts(session: Session) -> tuple[int, int, int]:
    runs = session.scalar(select(func.sum(IngestRun.pages))) or 0  # deliveries in their runs
    receptions = session.scalar(select(func.sum(RawRecord.times_received))) or 0
    ledger = session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0
    return int(runs), int(receptions), int(ledger)


def test_a_replayed_delivery_is_409_and_adds_nothing(
    client: TestClient, db_session: Session
) -> None:
    body, headers = signed()
    first = client.post(URL, content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert counts(db_session) == (1, 1, 1)
    t, mac = headers["X-TTHC-Signature"].split(",")
    decorated = [headers["X-TTHC-Signature"], f"{mac},{t}", f"{t},v1={'0' * 64},{mac}",
                 f"{t},{mac.upper().replace('V1=', 'v1=')}"]
    for header in decorated:
        replay = client.post(URL, content=body, headers={**headers, "X-TTHC-Signature": header})
        assert replay.status_code == 409, (header, replay.text)
        answer = replay.json()
        assert answer["error_code"] == 409 and "already received" in answer["message"]
        assert answer["details"]["run_id"] == first.json()["run_id"]
    assert counts(db_session) == (1, 1, 1)
    # the same records in a new delivery (signed at another second) are taken: a sender's
    # honest retry is signed anew
    again_body, again_headers = signed(t=int(time.time()) - 30)
    assert client.post(URL, content=again_body, headers=again_headers).status_code == 200
    assert counts(db_session) == (2, 2, 2)


def test_a_delivery_that_failed_can_be_sent_again_with_its_signature(
    client: TestClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    body, headers = signed()
    real = webhook_module.ingest_records
    calls = {"n": 0}

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(webhook_module, "ingest_records", fails_once)
    assert client.post(URL, content=body, headers=headers).status_code == 500
    assert counts(db_session) == (0, 0, 0)  # the ledger row rolled back with the rest
    retried = client.post(URL, content=body, headers=headers)
    assert retried.status_code == 200, retried.text
    assert counts(db_session) == (1, 1, 1)


@pytest.fixture
def two_apps(fresh_database_url: str) -> Iterator[tuple[FastAPI, FastAPI]]:
    apps = [create_app(settings_for(fresh_database_url), make_engine(fresh_database_url))
            for _ in range(2)]
    yield apps[0], apps[1]
    for app in apps:
        app.state.engine.dispose()


def test_copies_sent_at_once_to_two_replicas_are_taken_once(
    two_apps: tuple[FastAPI, FastAPI], fresh_database_url: str
) -> None:
    body, headers = signed()
    start = threading.Barrier(2)
    statuses: list[int] = []

    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(app)) for app in two_apps]

        def send(client: TestClient) -> None:
            start.wait()
            statuses.append(client.post(URL, content=body, headers=headers).status_code)

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        later = clients[1].post(URL, content=body, headers=headers)
    assert sorted(statuses) == [200, 409] and later.status_code == 409
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            assert counts(session) == (1, 1, 1)
    finally:
        engine.dispose()


def test_the_ledger_forgets_deliveries_once_their_signature_expired(
    cli_database: str,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    settings = settings_for(cli_database)
    with session_scope() as session:
        for age in (10, settings.webhook_max_age_seconds + 1, 3600):
            signed_at = now - timedelta(seconds=age)
            mac = compute_mac(TEST_WEBHOOK_SECRET, b"{}", int(signed_at.timestamp()))
            session.add(WebhookDelivery(digest=mac, endpoint=URL, signed_at=signed_at,
                                        received_at=signed_at))
    with session_scope() as session:
        assert purge_webhook_deliveries_job(session, now, settings) == {"deleted": 2}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
