"""V2, W10 and issue 19: the quarantine and ingest-run views keep to the caller's agencies.

Before: a commune supervisor's `GET /api/v1/quarantine?status=all` listed another district's
rejected records and `POST /api/v1/quarantine/retry` re-ingested them; `/api/v1/ingest/runs`
showed every run with the server's file paths; and the dashboard's quarantine page of a
supervisor was empty although records named his district (only entries of stored dossiers
were his).

The records arrive as a real sender would push them: signed webhook deliveries whose envelope
names the sending agency (madonvi) and whose records name their processing agency (DonViXuLy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.models import Agency, IngestRun, QuarantineEntry
from connectors import build_envelope
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.dashboard.helpers import login
from tests.ingest.payloads import dossier, step

URL = "/api/v1/webhooks/dvc"
NOW = datetime(2025, 9, 15, 3, 0, tzinfo=UTC)
Headers = Callable[..., dict[str, str]]


def _push(client: TestClient, madonvi: str, records: list[Any], service: str = "DongBoHoSoMC",
          n: int = 0) -> None:
    body = json.dumps(build_envelope(service, madonvi, records, session=f"s{n}")).encode()
    headers = {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time()) - n),
               "Content-Type": "application/json"}
    response = client.post(URL, content=body, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
def world(client: TestClient, db_session: Session) -> dict[str, str]:
    """Province > district A > commune A1, and district B; each district pushes bad records."""
    made: dict[str, Agency] = {}
    for code, name, parent in (("TINH", "UBND tỉnh Lâm Đồng", None),
                               ("HUYEN-A", "UBND huyện Đức Trọng", "TINH"),
                               ("XA-A1", "UBND xã Hiệp Thạnh", "HUYEN-A"),
                               ("HUYEN-B", "UBND huyện Lạc Dương", "TINH")):
        made[code] = Agency(code=code, name=name, parent_id=made[parent].id if parent else None,
                            created_at=NOW, updated_at=NOW)
        db_session.add(made[code])
        db_session.flush()
    db_session.commit()
    bad = {"NgayTiepNhan": "15/09/2025"}  # not yyyyMMddHHmmss: quarantined
    _push(client, "HUYEN-A", [dossier("A1-0001", agency="XA-A1", **bad)], n=1)
    _push(client, "HUYEN-B", [dossier("B-0001", agency="HUYEN-B", **bad)], n=2)
    # named by its (unique) name, sent by a province-level system
    _push(client, "TINH", [dossier("B-0002", agency="UBND huyện Lạc Dương", **bad)], n=3)
    # progress for a dossier not received yet: no DonViXuLy, only the envelope's madonvi
    _push(client, "HUYEN-B", [step("B-0003", "20250910090000", 4)], "CapNhatTienDoHoSoMC", n=4)
    codes = {e.dossier_code: e.id for e in db_session.scalars(select(QuarantineEntry))}
    assert set(codes) == {"A1-0001", "B-0001", "B-0002", "B-0003"}
    db_session.add(IngestRun(source="file", detail="/srv/tthc/imports/ho-so-2025.xlsx",
                             started_at=NOW, status="failed", stored=0, updated=0, unchanged=0,
                             quarantined=0, pages=0,
                             error="FileNotFoundError: '/srv/tthc/imports/ho-so-2025.xlsx'"))
    db_session.add(IngestRun(source="webhook", detail="DongBoHoSoMC từ HUYEN-B",
                             agency_code="HUYEN-B", started_at=NOW, status="failed", stored=0,
                             updated=0, unchanged=0, quarantined=0, pages=0,
                             error="OSError: /var/lib/tthc/spool/x.json is not writable"))
    db_session.commit()
    return {code: str(entry_id) for code, entry_id in codes.items()}


@pytest.mark.parametrize(("agency", "expected"), [
    ("XA-A1", {"A1-0001"}),
    ("HUYEN-A", {"A1-0001"}),
    ("HUYEN-B", {"B-0001", "B-0002", "B-0003"}),
    ("TINH", {"A1-0001", "B-0001", "B-0002", "B-0003"}),
    (None, {"A1-0001", "B-0001", "B-0002", "B-0003"}),
])
def test_the_quarantine_list_is_the_callers_agencies_only(
    client: TestClient, world: dict[str, str], auth_headers: Headers, agency: str | None,
    expected: set[str],
) -> None:
    role = "admin" if agency is None else "supervisor"
    headers = auth_headers(role, agency=agency)
    for status in ("open", "all"):
        listed = client.get("/api/v1/quarantine", params={"status": status}, headers=headers)
        assert listed.status_code == 200, listed.text
        assert {e["dossier_code"] for e in listed.json()} == expected


def test_a_supervisor_cannot_retry_another_districts_records(
    client: TestClient, db_session: Session, world: dict[str, str], auth_headers: Headers
) -> None:
    commune = auth_headers("supervisor", agency="XA-A1")
    foreign = [int(world["B-0001"]), int(world["B-0003"])]
    refused = client.post("/api/v1/quarantine/retry", json={"ids": foreign}, headers=commune)
    assert refused.status_code == 404
    mixed = client.post("/api/v1/quarantine/retry",
                        json={"ids": [int(world["A1-0001"]), foreign[0]]}, headers=commune)
    assert mixed.status_code == 404  # all or nothing: the own one is not retried either
    retried = client.post("/api/v1/quarantine/retry", headers=commune)
    assert retried.status_code == 200 and retried.json()["retried"] == 1
    district_b = auth_headers("supervisor", agency="HUYEN-B")
    assert client.post("/api/v1/quarantine/retry", headers=district_b).json()["retried"] == 3


@pytest.mark.parametrize(("agency", "shown", "hidden"), [
    ("HUYEN-B", ["B-0001", "B-0002", "B-0003"], ["A1-0001"]),
    ("XA-A1", ["A1-0001"], ["B-0001", "B-0002", "B-0003"]),
])
def test_the_dashboard_page_shows_the_records_naming_the_supervisors_agencies(
    app: FastAPI, db_session: Session, world: dict[str, str], agency: str, shown: list[str],
    hidden: list[str],
) -> None:
    token = create_token(db_session, name="gs", role="supervisor", agency=agency, now=NOW)
    db_session.commit()
    with TestClient(app, base_url="https://testserver") as web:
        login(web, token.secret)
        html = web.get("/giam-sat/cach-ly", params={"trang_thai": "all"}).text
    assert all(code in html for code in shown), html[:2000]
    assert not any(code in html for code in hidden)


def test_ingest_runs_are_scoped_and_carry_no_server_paths_for_supervisors(
    client: TestClient, world: dict[str, str], auth_headers: Headers
) -> None:
    admin = client.get("/api/v1/ingest/runs", headers=auth_headers("admin")).json()
    assert {r["agency_code"] for r in admin} == {"HUYEN-A", "HUYEN-B", "TINH", None}
    assert any("/srv/tthc/imports" in (r["detail"] or "") for r in admin)  # operators see it
    for agency, senders in (("HUYEN-B", {"HUYEN-B"}), ("XA-A1", set()),
                            ("HUYEN-A", {"HUYEN-A"}), ("TINH", {"HUYEN-A", "HUYEN-B", "TINH"})):
        runs = client.get("/api/v1/ingest/runs",
                          headers=auth_headers("supervisor", agency=agency)).json()
        assert {r["agency_code"] for r in runs} == senders, agency
        assert all(r["source"] == "webhook" for r in runs)  # no pull or file import
        text = json.dumps(runs, ensure_ascii=False)
        assert "/srv/" not in text and "/var/lib" not in text, text
    district_b = client.get("/api/v1/ingest/runs",
                            headers=auth_headers("supervisor", agency="HUYEN-B")).json()
    assert any("[đường dẫn ẩn]" in (r["error"] or "") for r in district_b)
