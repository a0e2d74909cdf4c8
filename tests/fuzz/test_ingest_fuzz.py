"""Fuzzed portal records through the whole ingest path: stored or quarantined, never a crash."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.service import ingest_records
from app.models import Dossier, QuarantineEntry, RawRecord
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.fuzz.strategies import portal_dossiers, portal_items
from tests.ingest.payloads import NOW, as_records, dossier

HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
FIXTURES_OK = settings(suppress_health_check=HEALTH)
FUZZED: dict[str, int] = {"records": 0, "deliveries": 0}


def outcome_of_every_record(session: Session, payloads: list[Any] | None) -> None:
    """Each raw payload is kept, and is either a stored dossier or an open quarantine entry."""
    raws = session.scalars(select(RawRecord)).all()
    if payloads is not None:
        assert sum(r.times_received for r in raws) == len(payloads)
    quarantined = {q.raw_record_id: q for q in session.scalars(select(QuarantineEntry))}
    stored = set(session.scalars(select(Dossier.code)))
    for raw in raws:
        entry = quarantined.get(raw.id)
        if entry is not None:
            assert entry.reason.strip() and entry.field and entry.status == "open"
            continue
        assert raw.dossier_code in stored, f"raw {raw.id} neither stored nor quarantined"


@FIXTURES_OK
@given(st.lists(portal_items, min_size=1, max_size=5))
@example([dossier(MaHoSo=4711, QuaTrinhXuLy=None)])  # see test_webhook_never_answers_5xx
def test_ingest_stores_or_quarantines_every_record(
    db_session: Session, payloads: list[Any]
) -> None:
    savepoint = db_session.begin_nested()
    try:
        counts = ingest_records(db_session, "fuzz", as_records(payloads), NOW)
        assert counts.total == len(payloads)
        outcome_of_every_record(db_session, payloads)
        FUZZED["records"] += len(payloads)
    finally:
        savepoint.rollback()


@settings(suppress_health_check=HEALTH, max_examples=40)
@given(st.lists(portal_dossiers(), min_size=1, max_size=3), st.binary(max_size=64))
# CI's one failure ("raw 25 neither stored nor quarantined"): a MaHoSo the parser reads as a
# code (a number; text it NFC-normalises) that the raw row named otherwise or not at all
@example([dossier(MaHoSo=-(2**70), QuaTrinhXuLy=None)], b"")
@example([dossier(MaHoSo="H21.65-250908-0001e\u0301", QuaTrinhXuLy=[])], b"")
def test_webhook_never_answers_5xx(
    client: TestClient, db_session: Session, payloads: list[Any], junk: bytes
) -> None:
    # Each request commits (the app's session boundary), so examples accumulate rows inside
    # the test's outer transaction; receptions are therefore checked per reply, not in total.
    # its own session: hypothesis may draw the same records twice within one second, which
    # would otherwise be a byte-identical replay (refused with 409)
    body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", payloads,
                                     session=uuid.uuid4().hex),
                      ensure_ascii=False).encode("utf-8")
    for content in (body, junk, body[: len(body) // 2]):
        headers = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, content, int(time.time())),
                   "Content-Type": "application/json"}
        response = client.post("/api/v1/webhooks/dvc", content=content, headers=headers)
        assert response.status_code < 500, response.text[:500]
        if content is body:
            assert response.status_code == 200, response.text[:500]
            reply = response.json()
            assert reply["stored"] + reply["updated"] + reply["unchanged"] \
                + reply["quarantined"] == len(payloads)
        else:
            assert response.status_code == 400 and response.json()["reason"]
        FUZZED["deliveries"] += 1
    outcome_of_every_record(db_session, None)
