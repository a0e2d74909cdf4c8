"""The simulator's one-door systems (OpenCPS, TD.DichVuCong, an enrolment system) push a
generated province to /dvcqg as the real ones do: every delivery is accepted and every dossier
ends as the portal holds it, the senders' quirks recorded as anomalies."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agencies.service import import_agencies
from app.demo import agency_rows
from app.models import Dossier, DossierAnomaly
from app.procedures.service import import_catalogue
from app.senders.service import add_sender
from connectors.simulator import generate_dataset
from connectors.simulator.dataset import Dataset
from connectors.simulator.enrolment import EnrolmentSender
from connectors.simulator.opencps import OpenCPSSender
from connectors.simulator.td_dvc import TdDichVuCongSender

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
BASE = "http://testserver"


def test_simulated_senders_push_a_province(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    # Three senders share the test client's one address: a province's worth of deliveries in a
    # few seconds is more than one real sender's burst, so the per-address limit is lifted here
    # (tests/security/test_abuse.py pins the limit itself).
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_burst": 100_000, "webhook_rate_per_minute": 1e6})
    dataset = generate_dataset(60, seed=11, now=NOW)
    import_agencies(db_session, agency_rows(Dataset.agencies()), NOW)
    import_catalogue(db_session, enumerate(Dataset.catalogue(), start=1), NOW)
    names = {a["code"]: a["name"] for a in Dataset.agencies()}
    opencps = add_sender(db_session, "opencps", None, NOW)
    td = add_sender(db_session, "td", None, NOW)
    lists = add_sender(db_session, "tuyen-sinh", None, NOW)
    db_session.commit()
    thirds = [dataset.dossiers[i::3] for i in range(3)]
    enrolment = EnrolmentSender(f"{BASE}/dvcqg/k/{lists.url_key}/DongBoHoSoMC", client=client)
    pushed = [
        OpenCPSSender(f"{BASE}/dvcqg/auth", f"{BASE}/dvcqg/api", opencps.username,
                      opencps.password, "000.00.00.H21", names, client=client).push(thirds[0]),
        TdDichVuCongSender(f"{BASE}/dvcqg/k/{td.url_key}/", agency_names=names,
                           no_appointment_procedures=frozenset({"2.000815"}),
                           client=client).push(thirds[1]),
        enrolment.push(thirds[2]),
    ]
    refused = [e for e in enrolment.exchanges if e.status_code != 200][:3]
    assert all(done == accepted and done > 0 for done, accepted in pushed), (pushed, refused)
    stored = {d.code: d for d in db_session.scalars(select(Dossier))}
    for payload in dataset.dossiers:
        d = stored[payload["MaHoSo"]]
        assert d.status == int(payload["TrangThaiHoSo"]), payload["MaHoSo"]
        finished = payload["NgayKetThucXuLy"] or None
        assert (d.finished_at is None) == (finished is None), payload["MaHoSo"]
    opencps_codes = {p["MaHoSo"] for p in thirds[0]}
    assert all(stored[c].channel is None for c in opencps_codes)  # OpenCPS never says
    kinds = set(db_session.scalars(select(DossierAnomaly.code)))
    assert {"agency_from_delivery", "id_placeholder"} <= kinds
