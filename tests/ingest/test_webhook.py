"""POST /api/v1/webhooks/dvc: signed envelopes in, nothing stored for refused deliveries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dossier, DossierEvent, IngestRun, QuarantineEntry, RawRecord
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier, stamp, step

URL = "/api/v1/webhooks/dvc"
CODE = "H21.65-250908-0001"


def body_of(data: list[Any], service: str = "DongBoHoSoMC") -> bytes:
    envelope = build_envelope(service, "H21.65", data, session="abc")
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def headers(body: bytes, t: int | None = None, secret: str = TEST_WEBHOOK_SECRET) -> dict[str, str]:
    t = int(time.time()) if t is None else t
    return {"X-TTHC-Signature": sign(secret, body, t), "Content-Type": "application/json"}


def stored_rows(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (RawRecord, Dossier, DossierEvent, QuarantineEntry, IngestRun)
    }


NOTHING = {"raw_record": 0, "dossier": 0, "dossier_event": 0, "quarantine": 0, "ingest_run": 0}


def test_signed_delivery_is_stored_and_answered_like_the_portal(
    client: TestClient, db_session: Session
) -> None:
    body = body_of([dossier(), {"MaHoSo": "H21.65-250908-0002", "TrangThaiHoSo": "4"}])
    sent_at = int(time.time())
    response = client.post(URL, content=body, headers=headers(body, sent_at))
    assert response.status_code == 200, response.text
    reply = response.json()
    # one record refused: a non-zero error_code naming it and its field, the other stored
    assert reply["error_code"] != 0 and "thành công" not in response.text.lower()
    assert "H21.65-250908-0002 (MaTTHC: required field is missing)" in reply["message"]
    assert reply["refused"] == [{"position": 2, "MaHoSo": "H21.65-250908-0002",
                                 "field": "MaTTHC", "reason": "required field is missing"}]
    assert (reply["stored"], reply["quarantined"]) == (1, 1)
    assert stored_rows(db_session) == {
        "raw_record": 2, "dossier": 1, "dossier_event": 2, "quarantine": 1, "ingest_run": 1
    }
    # the same records pushed again later: a new delivery, so received and counted unchanged
    again = client.post(URL, content=body, headers=headers(body, sent_at - 5))
    assert again.status_code == 200, again.text
    assert (again.json()["stored"], again.json()["unchanged"]) == (0, 1)
    good = body_of([dossier()])
    known = client.post(URL, content=good, headers=headers(good)).json()
    assert known["error_code"] == 0 and "thành công" in known["message"].lower()
    rows = stored_rows(db_session)
    assert (rows["raw_record"], rows["dossier"], rows["dossier_event"]) == (2, 1, 2)


def test_progress_envelope_updates_the_dossier(client: TestClient, db_session: Session) -> None:
    first = body_of([dossier()])
    assert client.post(URL, content=first, headers=headers(first)).status_code == 200
    progress = body_of([step(CODE, stamp(10, 9), 9, "Hoàn thành")], "CapNhatTienDoHoSoMC")
    response = client.post(URL, content=progress, headers=headers(progress))
    assert response.status_code == 200 and response.json()["stored"] == 1
    d = db_session.scalars(select(Dossier)).one()
    db_session.refresh(d)
    assert d.status == 9


def _refused(
    client: TestClient, db_session: Session, body: bytes, hdrs: dict[str, str], status: int
) -> dict[str, Any]:
    response = client.post(URL, content=body, headers=hdrs)
    assert response.status_code == status, response.text
    reply = response.json()
    assert reply["error_code"] != 0 and reply["message"] and reply["error"] and reply["reason"]
    assert stored_rows(db_session) == NOTHING
    return reply


@pytest.mark.parametrize("case", ["missing", "wrong_secret", "stale", "tampered", "garbage"])
def test_bad_signatures_are_401(client: TestClient, db_session: Session, case: str) -> None:
    body = body_of([dossier()])
    hdrs: dict[str, str] = {
        "missing": {"Content-Type": "application/json"},
        "wrong_secret": headers(body, secret="another-secret-0123456789"),
        "stale": headers(body, t=int(time.time()) - 3600),
        "tampered": headers(body),
        "garbage": {"X-TTHC-Signature": "v1=abc"},
    }[case]
    sent = body.replace(b"H21.65-250908-0001", b"H21.65-250908-0666") if case == "tampered" \
        else body
    _refused(client, db_session, sent, hdrs, 401)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", json.dumps({"service": "Khac", "madonvi": "X", "data": []}).encode(),
     json.dumps({"service": "DongBoHoSoMC", "madonvi": "X", "data": "x"}).encode()],
)
def test_malformed_envelopes_are_400(client: TestClient, db_session: Session, body: bytes) -> None:
    _refused(client, db_session, body, headers(body), 400)


def _small_limit(app: Any, **changes: Any) -> None:
    app.state.settings = app.state.settings.model_copy(update=changes)


def test_oversized_body_is_413_by_declared_length(
    app: Any, client: TestClient, db_session: Session
) -> None:
    _small_limit(app, webhook_max_body_bytes=200)
    body = body_of([dossier()])
    assert len(body) > 200
    _refused(client, db_session, body, headers(body), 413)


def test_oversized_body_is_413_by_bytes_read(
    app: Any, client: TestClient, db_session: Session
) -> None:
    _small_limit(app, webhook_max_body_bytes=200)
    body = body_of([dossier()])

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for start in range(0, len(body), 64):
            yield body[start : start + 64]

    _refused(client, db_session, chunks(), headers(body), 413)  # type: ignore[arg-type]


def test_disabled_webhooks_are_404(app: Any, client: TestClient, db_session: Session) -> None:
    _small_limit(app, webhooks_enabled=False)
    body = body_of([dossier()])
    _refused(client, db_session, body, headers(body), 404)


def test_no_secret_configured_refuses_everything(
    app: Any, client: TestClient, db_session: Session
) -> None:
    _small_limit(app, webhook_secret="")
    body = body_of([dossier()])
    _refused(client, db_session, body, headers(body), 503)


def test_staff_views_need_a_role_and_hide_personal_data(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    bad = dossier("H21.65-250908-0007", NgayHenTra="31/12/2025")
    body = body_of([bad, dossier()])
    assert client.post(URL, content=body, headers=headers(body)).status_code == 200
    for path in ("/api/v1/quarantine", "/api/v1/ingest/runs"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth_headers("viewer", agency="H21.65")).status_code == 403
    response = client.get("/api/v1/quarantine", headers=auth_headers("supervisor", agency="H21.65"))
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["dossier_code"] == "H21.65-250908-0007" and entry["field"] == "NgayHenTra"
    assert set(entry) == {"id", "dossier_code", "source", "field", "reason", "value", "count",
                          "first_seen_at", "last_seen_at", "status"}
    runs = client.get("/api/v1/ingest/runs", headers=auth_headers("admin"))
    assert runs.status_code == 200 and runs.json()[0]["source"] == "webhook"
    for text in (response.text, runs.text):
        for personal in ("Nguyễn Văn An", "0912345678", "079012345612", "Trần Thị Bình"):
            assert personal not in text
    retry = client.post("/api/v1/quarantine/retry", headers=auth_headers("admin"))
    assert retry.status_code == 200
    assert retry.json()["retried"] == 1 and retry.json()["still_open"] == 1
