"""Contract: payloads built the way each public sender builds them (tests/ingest/senders) arrive
through the route that sender uses and through the file route, on SQLite and PostgreSQL. Every
dossier is stored with the right channel, appointment, pauses and finish, and every reply is one
the sender reads as success."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings
from app.db.session import make_engine
from app.main import create_app
from app.models import Dossier, DossierAnomaly
from app.senders.service import Credentials, add_sender
from connectors.portal.fields import parse_portal_date
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.factories import make_agency, make_procedure
from tests.ingest.senders import enrolment, opencps, td_dichvucong
from tests.ingest.senders.scenarios import (
    AGENCY,
    AGENCY_NAME,
    IN_CATALOGUE,
    SCENARIOS,
    Local,
    at,
)
from tests.ingest.senders.success_tests import (
    opencps_accepts,
    td_dossier_accepts,
    td_progress_accepts,
)

SENDERS = ("opencps", "td", "enrolment")


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[str]:
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        make_agency(session, AGENCY, AGENCY_NAME)
        make_procedure(session, IN_CATALOGUE, "5", "working_days", field_code="G15")
        session.commit()
    engine.dispose()
    yield fresh_database_url


def _credentials(url: str) -> Credentials:
    engine = make_engine(url)
    with Session(engine) as session:
        credentials = add_sender(session, "sender", AGENCY, parse_portal_date(at(1, 7), "x"))
        session.commit()
    engine.dispose()
    return credentials


def _post(client: TestClient, url: str, body: Any) -> Any:
    return client.post(url, content=json.dumps(body, ensure_ascii=False).encode("utf-8"))


def push_opencps(client: TestClient, creds: Credentials) -> None:
    auth = _post(client, "/dvcqg/auth", {"username": creds.username, "password": creds.password})
    assert opencps_accepts(auth.status_code, auth.text)
    session = auth.json()["session"]
    for local in SCENARIOS:
        # OpenCPS asks both before every change; once per dossier keeps the test short
        known = _post(client, "/dvcqg/api", opencps.envelope(session, "TraCuuHoSo",
                                                              mahoso=local.code)).json()
        assert known["result"] == []
        looked = _post(client, "/dvcqg/api", opencps.envelope(
            session, "LayThuTuc", maTTHC=local.procedure)).json()["result"]
        names = (looked[0]["TENTTHC"], looked[0]["LINHVUCTHUCHIEN"][0]["MALINHVUC"],
                 looked[0]["LINHVUCTHUCHIEN"][0]["TENLINHVUC"]) if looked else ("", "", "")
        for index in range(len(local.steps)):
            reply = _post(client, "/dvcqg/api", opencps.envelope(
                session, "DongBoHoSoMC", isUpdating="True" if index else "False",
                data=[opencps.dossier(local, index, names)]))
            assert opencps_accepts(reply.status_code, reply.text), reply.text
            step = _post(client, "/dvcqg/api", opencps.envelope(
                session, "CapNhatTienDoHoSoMC", data=[opencps.step(local, index)]))
            assert opencps_accepts(step.status_code, step.text), step.text


def push_td(client: TestClient, creds: Credentials) -> None:
    base = f"/dvcqg/k/{creds.url_key}/"
    for local in SCENARIOS:
        for record, chunks in td_dichvucong.pushes(local):
            reply = _post(client, base + "DongBoHoSoMC", [record])
            assert td_dossier_accepts(reply.text), reply.text
            for chunk in chunks:
                assert td_progress_accepts(
                    _post(client, base + "CapNhatTienDoHoSoMC", chunk).text)


def push_enrolment(client: TestClient, creds: Credentials) -> None:
    url = f"/dvcqg/k/{creds.url_key}/DongBoHoSoMC?MaDinhDanhDV={AGENCY}&isUpdating=True"
    reply = _post(client, url, [enrolment.dossier(local) for local in SCENARIOS])
    assert reply.json()["error_code"] == 0 and "thành công" in reply.json()["message"], reply.text


def file_items(sender: str) -> list[Any]:
    """What the sender sent, in order, as one list a file could hold."""
    items: list[Any] = []
    for local in SCENARIOS:
        if sender == "opencps":
            for index in range(len(local.steps)):
                items += [opencps.dossier(local, index, ("", "", "")), opencps.step(local, index)]
        elif sender == "td":
            for record, chunks in td_dichvucong.pushes(local):
                items += [record, *(s for chunk in chunks for s in chunk)]
        else:
            items.append(enrolment.dossier(local))
    return items


def _stored(url: str) -> tuple[dict[str, Dossier], dict[str, set[str]]]:
    engine = make_engine(url)
    with Session(engine) as session:
        dossiers = {d.code: d for d in session.scalars(select(Dossier))}
        anomalies: dict[str, set[str]] = {}
        for code, kind in session.execute(
            select(Dossier.code, DossierAnomaly.code)
            .join(DossierAnomaly, DossierAnomaly.dossier_id == Dossier.id)
        ):
            anomalies.setdefault(code, set()).add(kind)
        session.expunge_all()
    engine.dispose()
    return dossiers, anomalies


def _instant(text: str | None) -> Any:
    return parse_portal_date(text, "x") if text else None


def check(local: Local, stored: Dossier, sender: str) -> None:
    """Channel, appointment, pauses and finish as the local system holds them."""
    channel = {"opencps": None, "enrolment": 2}.get(sender, int(local.channel or 0) or None)
    assert stored.channel == channel, local.code
    assert stored.result_by_post is (local.by_post and sender != "enrolment"), local.code
    assert stored.portal_due_at == _instant(local.due_after(len(local.steps))), local.code
    assert stored.status == local.status, local.code
    assert stored.finished_at == _instant(local.first(9)), local.code
    assert stored.returned_at == _instant(local.first(10)), local.code
    waiting = local.status in (5, 6)
    assert stored.paused_since == (_instant(local.steps[-1].at) if waiting else None), local.code
    assert (stored.classification == "paused") is waiting, local.code


@pytest.mark.parametrize("route", ["http", "file"])
@pytest.mark.parametrize("sender", SENDERS)
def test_every_dossier_arrives_right(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sender: str, route: str
) -> None:
    if route == "http":
        creds = _credentials(database)
        settings = Settings(environment="test", database_url=database,
                            webhook_secret=TEST_WEBHOOK_SECRET, secret_key="t" * 40)
        with TestClient(create_app(settings)) as client:
            {"opencps": push_opencps, "td": push_td, "enrolment": push_enrolment}[sender](
                client, creds)
    else:
        path = tmp_path / f"{sender}.json"
        path.write_text(json.dumps(file_items(sender), ensure_ascii=False), encoding="utf-8")
        monkeypatch.setenv("TTHC_DATABASE_URL", database)
        monkeypatch.setenv("TTHC_ENVIRONMENT", "test")
        monkeypatch.setenv("TTHC_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
        from app.core.config import get_settings
        from app.db.session import get_engine

        get_settings.cache_clear()
        get_engine.cache_clear()
        result = CliRunner().invoke(cli, ["ingest", "file", str(path), "--kind", "auto",
                                          "--agency", AGENCY])
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()
        assert result.exit_code == 0 and "quarantined 0" in result.output, result.output
    dossiers, anomalies = _stored(database)
    assert set(dossiers) == {local.code for local in SCENARIOS}
    for local in SCENARIOS:
        check(local, dossiers[local.code], sender)
    no_due = dossiers["H21.65-250904-0003"]
    assert no_due.due_at is None and no_due.classification == "no_due"
    assert dossiers["H21.65-250904-0001"].classification == "late"
    assert dossiers["H21.65-250901-0001"].classification == "early"
    assert not any(d.appointment_mismatch for d in dossiers.values()
                   if d.portal_due_at is None)
    expected = EXPECTED_ANOMALIES[sender] | (
        {("H21.65-250903-0001", "names_missing")} if sender != "opencps" or route == "file"
        else set())
    found = {(code, kind) for code, kinds in anomalies.items() for kind in kinds}
    assert expected <= found, expected - found


EXPECTED_ANOMALIES: dict[str, set[tuple[str, str]]] = {
    "opencps": {("H21.65-250903-0002", "summary_missing")},
    "td": {
        ("H21.65-250902-0001", "finished_status_contradicted"),  # paused, sent as "9"
        ("H21.65-250902-0002", "supplement_done_coded_as_pause"),
        ("H21.65-250901-0002", "synthetic_finish"),  # no appointment, open
        ("H21.65-250903-0002", "summary_placeholder"),
        ("H21.65-250905-0003", "id_placeholder"),
    },
    "enrolment": {("H21.65-250901-0001", "agency_from_delivery"),
                  ("H21.65-250903-0002", "summary_missing")},
}
