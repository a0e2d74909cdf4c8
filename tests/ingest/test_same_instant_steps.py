"""Steps stamped with the same instant apply in status-progression order (received, processing,
paused, finished, returned) whatever order they arrive in, in one delivery or in several, on
every route: a 9 and a 10 end at 10 with both instants; a 9 and a 4 keep the 9; a 4 and a 5 end
paused."""

from __future__ import annotations

import json
import time
from itertools import permutations
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.ingest.service import ingest_records
from app.models import Dossier
from app.senders.service import add_sender
from connectors import build_envelope, parse_portal_date
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.factories import make_agency
from tests.ingest.payloads import NOW, as_records, dossier, stamp, step

AT = stamp(10, 9, 30)
INSTANT = parse_portal_date(AT, "x")
# statuses of one instant -> (status, finished_at, returned_at, paused_since) they end with
ENDINGS: dict[tuple[int, ...], tuple[int, Any, Any, Any]] = {
    (4, 9, 10): (10, INSTANT, INSTANT, None),
    (4, 9): (9, INSTANT, None, None),
    (4, 5): (5, None, None, INSTANT),
}
CASES = [(order, ENDINGS[key]) for key in ENDINGS for order in permutations(key)]


def _check(db_session: Session, code: str, ending: tuple[int, Any, Any, Any]) -> None:
    stored = db_session.scalars(select(Dossier).where(Dossier.code == code)).one()
    db_session.refresh(stored)
    assert (stored.status, stored.finished_at, stored.returned_at, stored.paused_since) == ending


@pytest.mark.parametrize("one_delivery", [True, False], ids=["one-delivery", "one-per-step"])
@pytest.mark.parametrize(("order", "ending"), CASES, ids=[str(o) for o, _ in CASES])
def test_ingest_applies_same_instant_steps_in_progression_order(
    db_session: Session, order: tuple[int, ...], ending: tuple[int, Any, Any, Any],
    one_delivery: bool,
) -> None:
    code = "H21.65-250908-0001"
    received = stamp(8, 8, 30)
    ingest_records(db_session, "test",
                   as_records([dossier(code, status=2, steps=[step(code, received, 2)])]), NOW)
    steps = [step(code, AT, status) for status in order]
    for part in ([steps] if one_delivery else [[s] for s in steps]):
        ingest_records(db_session, "test", as_records(part, "progress"), NOW)
    _check(db_session, code, ending)


@pytest.mark.parametrize(("order", "ending"), CASES, ids=[str(o) for o, _ in CASES])
def test_every_route_applies_them_in_progression_order(
    client: TestClient, db_session: Session, order: tuple[int, ...],
    ending: tuple[int, Any, Any, Any],
) -> None:
    """The same steps in one push through the signed webhook, /dvcqg/api and a bare list."""
    make_agency(db_session, "H21.65")
    creds = add_sender(db_session, "sender", "H21.65", utcnow())
    session = client.post("/dvcqg/auth", json={"username": creds.username,
                                                "password": creds.password}).json()["session"]

    def records(code: str) -> list[dict[str, Any]]:
        embedded = [step(code, stamp(8, 8, 30), 2), *(step(code, AT, s) for s in order)]
        return [dossier(code, status=order[-1], steps=embedded, NgayKetThucXuLy="",
                        NgayTra="")]

    body = json.dumps(build_envelope("DongBoHoSoMC", "H21.65", records("W-1"))).encode()
    signature = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time()))}
    assert client.post("/api/v1/webhooks/dvc", content=body, headers=signature).json()[
        "error_code"] == 0
    envelope = build_envelope("DongBoHoSoMC", "H21.65", records("A-1"), session=session)
    assert client.post("/dvcqg/api", json=envelope).json()["error_code"] == 0
    keyed = f"/dvcqg/k/{creds.url_key}/DongBoHoSoMC"
    assert client.post(keyed, json=records("K-1")).json()["error_code"] == 0
    for code in ("W-1", "A-1", "K-1"):
        _check(db_session, code, ending)
