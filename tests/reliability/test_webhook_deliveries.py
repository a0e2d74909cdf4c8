"""Webhook deliveries duplicated, reordered, stale, and a burst of 1,000 at once.

The service-level rules (stale copies never roll back, duplicate steps stored once) are proven
in tests/ingest/test_service.py; here the same faults arrive as signed HTTP deliveries.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.background_server import BackgroundServer
from app.core.config import Settings
from app.db.session import make_engine
from app.main import create_app
from app.models import (
    Dossier,
    DossierEvent,
    IngestRun,
    PushQueue,
    QuarantineEntry,
    RawRecord,
)
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier, stamp, step

URL = "/api/v1/webhooks/dvc"
CODE = "H21.65-250908-0001"
STEPS = [step(CODE, stamp(8, 8, 30), 2, "Tiếp nhận"), step(CODE, stamp(9, 9), 4, "Thụ lý"),
         step(CODE, stamp(12, 10), 9, "Hoàn thành")]
VERSIONS = [
    dossier(CODE, status=2, steps=STEPS[:1]),
    dossier(CODE, status=4, steps=STEPS[:2]),
    dossier(CODE, status=9, steps=STEPS, NgayKetThucXuLy=stamp(12, 10)),
]


_PUSHES = itertools.count(1)


def delivery(data: list[Any], service: str = "DongBoHoSoMC") -> tuple[bytes, dict[str, str]]:
    """One push: its own envelope session, so a repeat of the same records is a new delivery
    (a byte-identical copy of one signed delivery is a replay: tests/security/
    test_webhook_replay.py)."""
    envelope = build_envelope(service, "H21.65", data, session=f"push-{next(_PUSHES)}")
    body = json.dumps(envelope, ensure_ascii=False).encode()
    return body, {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
                  "Content-Type": "application/json"}


def rows(session: Session) -> dict[str, int]:
    return {m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Dossier, DossierEvent, RawRecord, QuarantineEntry)}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reordered_and_duplicated_versions_end_at_the_newest(
    client: TestClient, db_session: Session, order: tuple[int, ...]
) -> None:
    sent = [VERSIONS[i] for i in order]
    sent += [sent[0], sent[-1]]  # two deliveries repeated by the portal
    progress = delivery([STEPS[1]], "CapNhatTienDoHoSoMC")  # a lone step, also late
    replies = [client.post(URL, content=b, headers=h) for b, h in map(lambda v: delivery([v]),
                                                                         sent)]
    replies.append(client.post(URL, content=progress[0], headers=progress[1]))
    assert [r.status_code for r in replies] == [200] * 6, [r.text for r in replies]
    d = db_session.scalars(select(Dossier)).one()
    db_session.refresh(d)
    assert d.status == 9 and d.finished_at is not None  # a stale copy never rolls back
    assert rows(db_session) == {"dossier": 1, "dossier_event": 3, "raw_record": 4,
                                "quarantine": 0}
    received = db_session.scalars(select(RawRecord.times_received)).all()
    assert sum(received) == 6  # every delivery is accounted for, none stored twice


def test_a_replayed_delivery_after_the_signature_window_is_refused(
    client: TestClient, db_session: Session
) -> None:
    body, _ = delivery([VERSIONS[0]])
    old = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time()) - 3600),
           "Content-Type": "application/json"}
    assert client.post(URL, content=body, headers=old).status_code == 401
    assert rows(db_session) == {"dossier": 0, "dossier_event": 0, "raw_record": 0,
                                "quarantine": 0}


BURST = 1000
UNIQUE = 800


@pytest.fixture
def server(fresh_database_url: str) -> Iterator[BackgroundServer]:
    settings = Settings(environment="test", database_url=fresh_database_url,
                        webhook_secret=TEST_WEBHOOK_SECRET, secret_key="t" * 40,
                        log_json=False, webhook_burst=BURST)
    app = create_app(settings)
    with BackgroundServer(app) as running:
        yield running


def _wait_for_the_queue(engine: Any) -> None:
    """On PostgreSQL the deliveries are answered once queued and processed moments later
    (app/ingest/push_queue.py): the rows are counted once the queue is empty."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(select(func.count()).select_from(PushQueue)).scalar_one():
                return
        time.sleep(0.1)
    raise AssertionError("the push queue was not processed within 120 s")


@pytest.mark.slow
def test_a_burst_of_1000_concurrent_deliveries_loses_and_doubles_nothing(
    server: BackgroundServer, fresh_database_url: str
) -> None:
    codes = [f"H21.65-251001-{n:04d}" for n in range(UNIQUE)]
    rng = random.Random(4)
    # 200 deliveries repeat an earlier dossier: concurrent copies of one dossier must merge.
    plan = codes + [rng.choice(codes) for _ in range(BURST - UNIQUE)]
    rng.shuffle(plan)
    payloads = [delivery([dossier(code, steps=[step(code, stamp(8, 8, 30), 2)])])
                for code in plan]
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    with httpx.Client(base_url=server.url, timeout=60, limits=limits) as http:
        def send(item: tuple[bytes, dict[str, str]]) -> int:
            return http.post(URL, content=item[0], headers=item[1]).status_code

        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(send, payloads, timeout=240))
        spanned_minutes = int((time.monotonic() - began) // 60) + 2
    assert statuses.count(200) == BURST, sorted(set(statuses))

    engine = make_engine(fresh_database_url)
    try:
        _wait_for_the_queue(engine)
        with engine.connect() as conn:
            count = {m.__tablename__: conn.execute(select(func.count()).select_from(m))
                     .scalar_one() for m in (Dossier, DossierEvent, RawRecord, IngestRun)}
            received = conn.execute(select(func.sum(RawRecord.times_received))).scalar_one()
            stored = conn.execute(select(func.sum(IngestRun.stored))).scalar_one()
            deliveries = conn.execute(select(func.sum(IngestRun.pages))).scalar_one()
            minutes = conn.execute(select(func.count(func.distinct(IngestRun.summary_key))))\
                .scalar_one()
            distinct = conn.execute(select(func.count(func.distinct(Dossier.code)))).scalar_one()
    finally:
        engine.dispose()
    # one ingest_run row per sender and minute of the burst, counting every delivery (pages)
    # and every stored dossier
    assert count["ingest_run"] == minutes <= spanned_minutes
    del count["ingest_run"]
    assert count == {"dossier": UNIQUE, "dossier_event": UNIQUE, "raw_record": UNIQUE}
    assert distinct == UNIQUE and received == BURST and stored == UNIQUE
    assert deliveries == BURST
