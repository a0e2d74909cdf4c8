"""The fake portal: deterministic data, the pull API, fault mode, signed webhooks."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from connectors import ConnectorState, RecordInvalid, get_connector, parse_dossier, parse_envelope
from connectors.portal.signing import SIGNATURE_HEADER, verify
from connectors.simulator import Faults, create_simulator_app, generate_dataset, push_webhooks
from connectors.simulator import reference as ref
from connectors.simulator.dataset import Dataset

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
BASE = "http://portal.test"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(300, seed=7, now=NOW, malformed_ratio=0.02)


def pull(client: httpx.Client, state: ConnectorState | None = None,
         page_size: int = 40) -> tuple[list[dict[str, Any]], ConnectorState]:
    connector = get_connector("dvc_portal", base_url=BASE, token="sim-token", page_size=page_size,
                              client=client, sleep=lambda _: None, max_retries=30)
    state = state or ConnectorState()
    payloads: list[dict[str, Any]] = []
    for page in connector.pages(state):
        payloads.extend(r.payload for r in page.records)
        state = page.state_after
    return payloads, state


def test_same_seed_and_now_give_the_same_data(dataset: Dataset) -> None:
    again = generate_dataset(300, seed=7, now=NOW, malformed_ratio=0.02)
    assert again.dossiers == dataset.dossiers and again.malformed == dataset.malformed
    assert generate_dataset(300, seed=8, now=NOW).dossiers != dataset.dossiers


def test_data_looks_like_a_province(dataset: Dataset) -> None:
    codes = [dataset.code_of(p) for p in dataset.dossiers]
    assert len(set(codes)) == 300
    assert all(re.fullmatch(r"H21\.\d{2}(\.\d{2})?-\d{6}-\d{4}", c or "") for c in codes)
    clean = [parse_dossier(p) for p in dataset.dossiers if dataset.code_of(p) not in
             dataset.malformed_codes]
    statuses = Counter(d.status for d in clean)
    assert {3, 4, 5, 10} <= set(statuses) and statuses[10] > statuses[4]
    finished = [d for d in clean if d.finished_at is not None]
    late = [d for d in finished if d.finished_at and d.finished_at > d.portal_due_at]
    early = [d for d in finished if d.finished_at and d.finished_at < d.portal_due_at]
    assert late and early
    assert all(d.received_at <= NOW and (d.newest_progress_at or NOW) <= NOW for d in clean)
    person = next(d for d in clean if d.applicant_type == 1)
    assert person.id_numbers[0].number.isdigit() and len(person.id_numbers[0].number) == 12


def test_catalogue_has_the_portal_shape() -> None:
    catalogue = Dataset.catalogue()
    keys = {"MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "ThoiHanGiaiQuyet"}
    assert all(keys <= set(row) for row in catalogue)
    # the time is text only, as the national catalogue publishes it; every unit is represented
    assert not any("processing_unit" in row for row in catalogue)
    assert {p.unit for p in ref.PROCEDURES} == {
        "working_days", "working_hours", "calendar_days", "same_day"}


def test_malformed_records_are_exactly_the_announced_ones(dataset: Dataset) -> None:
    broken = {}
    for payload in dataset.dossiers:
        try:
            parse_dossier(payload)
        except RecordInvalid as exc:
            broken[dataset.code_of(payload)] = exc.field
    assert broken == dataset.malformed
    assert set(broken.values()) == {"NgayTiepNhan", "TrangThaiHoSo", "MaHoSo",
                                    "QuaTrinhXuLy[0].ThoiDiemXuLy"}


def test_api_checks_the_token_and_the_parameters(dataset: Dataset) -> None:
    client = TestClient(create_simulator_app(dataset), base_url=BASE)
    assert client.get("/api/hoso").status_code == 401
    wrong = client.get("/api/hoso", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error_code"] == 401
    auth = {"Authorization": "Bearer sim-token"}
    assert client.get("/api/hoso", params={"cursor": "%%%"}, headers=auth).status_code == 400
    bad_since = client.get("/api/hoso", params={"updated_since": "2025-01-01"}, headers=auth)
    assert bad_since.status_code == 400 and "updated_since" in bad_since.json()["message"]
    assert client.get("/api/thutuc").json()["data"] == Dataset.catalogue()


def test_a_clean_pull_then_an_incremental_one(dataset: Dataset) -> None:
    client = TestClient(create_simulator_app(dataset), base_url=BASE)
    payloads, state = pull(client)
    assert payloads == dataset.dossiers
    assert state.updated_since == dataset.updated_keys[-1] and state.cursor is None
    again, _ = pull(client, state)
    assert again and all(p in dataset.dossiers for p in again)
    assert len(again) < 5  # only the boundary instant is served again


def test_fault_mode_pull_reaches_every_newest_version(dataset: Dataset) -> None:
    faults = Faults(error_rate=0.15, rate_limit_rate=0.1, slow_rate=0.1, slow_seconds=0.0,
                    duplicate_rate=0.15, stale_rate=0.15, seed=3)
    client = TestClient(create_simulator_app(dataset, faults), base_url=BASE)
    payloads, _ = pull(client)
    newest = dataset.by_code()
    served: dict[str, list[dict[str, Any]]] = {}
    for payload in payloads:
        code = dataset.code_of(payload)
        assert code is not None
        served.setdefault(code, []).append(payload)
    assert set(served) == set(newest)
    assert all(newest[code] in copies for code, copies in served.items())
    repeats = [code for code, copies in served.items() if len(copies) > 1]
    stale = [c for c, copies in served.items() if any(p != newest[c] for p in copies)]
    assert repeats and stale  # the faults really happened
    assert dataset.malformed_codes <= set(served)


def test_push_webhooks_signs_each_envelope(dataset: Dataset) -> None:
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        verify("hook-secret", request.content, request.headers[SIGNATURE_HEADER], 1_750_000_000)
        return httpx.Response(200, json={"error_code": 0, "message": "OK"})

    records = sorted(dataset.dossiers[:25], key=lambda p: p["DonViXuLy"])
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    results = push_webhooks("http://app.test/webhooks/portal", "hook-secret", records, client,
                            batch_size=4, clock=lambda: 1_750_000_000)
    assert all(r.status_code == 200 for r in results)
    assert sum(r.records for r in results) == 25
    envelopes = [parse_envelope(r.content) for r in received]
    assert all(e.agency_code == p["DonViXuLy"] for e in envelopes for p in e.data)
    assert all(len(e.data) <= 4 for e in envelopes)
