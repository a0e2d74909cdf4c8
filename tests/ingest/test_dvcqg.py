"""/dvcqg: registered senders log in and push in the national portal's envelope (OpenCPS) or as
bare lists under a URL key (TD.DichVuCong); wrong credentials store nothing."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.clock import utcnow
from app.core.logging import JsonFormatter, MaskUrlKeys
from app.models import Dossier, DossierEvent, IngestRun, RawRecord, Sender, SenderSession
from app.senders.service import Credentials, add_sender, revoke_sender
from tests.factories import make_agency, make_procedure
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.senders.success_tests import every_sender_accepts, no_sender_accepts

CODE = "H21.65-250908-0001"


def rows(session: Session) -> dict[str, int]:
    return {m.__tablename__: int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (RawRecord, Dossier, DossierEvent, IngestRun)}


NOTHING = {"raw_record": 0, "dossier": 0, "dossier_event": 0, "ingest_run": 0}


@pytest.fixture
def sender(db_session: Session) -> Credentials:
    make_agency(db_session, "H21.65", "UBND huyện Đông Hưng")
    return add_sender(db_session, "opencps-h21", "H21.65", utcnow())


def login(client: TestClient, creds: Credentials, **overrides: str) -> Any:
    body = {"username": creds.username, "password": creds.password, **overrides}
    return client.post("/dvcqg/auth", json=body, headers={"dstcode": "000.00.00.H21"})


def api(client: TestClient, session: str, service: str, data: Any = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"session": session, "madonvi": "H21.65", "service": service,
                            "isUpdating": "False", **extra}
    if data is not None:
        body["data"] = data
    return client.post("/dvcqg/api", content=json.dumps(body, ensure_ascii=False).encode())


def test_login_gives_a_session_and_a_push_with_it_is_stored(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    response = login(client, sender)
    assert response.status_code == 200 and every_sender_accepts(200, response.text)
    token = response.json()["session"]
    pushed = api(client, token, "DongBoHoSoMC", [dossier(steps=[])])
    assert pushed.status_code == 200 and every_sender_accepts(200, pushed.text), pushed.text
    step_reply = api(client, token, "CapNhatTienDoHoSoMC", [step(CODE, stamp(9, 9), 4)])
    assert every_sender_accepts(200, step_reply.text)
    assert rows(db_session) == {"raw_record": 2, "dossier": 1, "dossier_event": 1,
                                "ingest_run": 2}
    runs = db_session.scalars(select(IngestRun)).all()
    found = db_session.scalars(select(Sender)).one()
    assert {r.sender_id for r in runs} == {found.id} and {r.source for r in runs} == {"dvcqg"}
    assert found.last_delivery_at is not None


@pytest.mark.parametrize("wrong", [{"password": "nope"}, {"username": "someone"},
                                   {"password": ""}])
def test_wrong_credentials_get_no_session(
    client: TestClient, sender: Credentials, wrong: dict[str, str]
) -> None:
    response = login(client, sender, **wrong)
    assert response.status_code == 401 and "session" not in response.json()
    assert response.json()["error_code"] != 0 and no_sender_accepts(401, response.text)


@pytest.mark.parametrize("case", ["missing", "unknown", "revoked", "expired"])
def test_a_bad_session_stores_nothing(
    client: TestClient, db_session: Session, sender: Credentials, case: str
) -> None:
    token = login(client, sender).json()["session"]
    if case == "missing":
        token = ""
    elif case == "unknown":
        token = token[:-2] + "xx"
    elif case == "revoked":
        revoke_sender(db_session, sender.name, utcnow())
    else:
        db_session.execute(update(SenderSession).values(
            last_used_at=utcnow() - timedelta(days=91)))
    response = api(client, token, "DongBoHoSoMC", [dossier()])
    assert response.status_code == 401 and response.json()["error_code"] != 0
    assert no_sender_accepts(401, response.text)
    assert rows(db_session) == NOTHING


def test_a_session_lives_while_used(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    token = login(client, sender).json()["session"]
    db_session.execute(update(SenderSession).values(last_used_at=utcnow() - timedelta(days=89)))
    assert api(client, token, "DongBoHoSoMC", [dossier()]).json()["error_code"] == 0


@pytest.mark.parametrize(("idle", "touched"), [(timedelta(minutes=6), True),
                                              (timedelta(minutes=4), False)])
def test_a_used_session_notes_its_use_at_most_every_five_minutes(
    client: TestClient, db_session: Session, sender: Credentials, idle: timedelta,
    touched: bool,
) -> None:
    token = login(client, sender).json()["session"]
    before = utcnow() - idle
    db_session.execute(update(SenderSession).values(last_used_at=before))
    assert api(client, token, "DongBoHoSoMC", [dossier()]).json()["error_code"] == 0
    used = db_session.scalars(select(SenderSession.last_used_at)).one()
    assert (used > before) is touched and (used == before) is not touched


def test_logins_keep_only_the_most_recently_used_sessions(
    client: TestClient, db_session: Session, sender: Credentials, app: Any
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dvcqg_sessions_per_sender": 3})
    first = login(client, sender).json()["session"]
    for _ in range(4):
        login(client, sender)
    assert db_session.scalar(select(func.count()).select_from(SenderSession)) == 3
    assert api(client, first, "DongBoHoSoMC", [dossier()]).status_code == 401


def test_laythutuc_answers_from_the_catalogue(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    make_procedure(db_session, "1.001234", field_code="XD")
    token = login(client, sender).json()["session"]
    found = api(client, token, "LayThuTuc", maTTHC="1.001234").json()
    assert found["error_code"] == 0 and found["result"][0]["MATTHC"] == "1.001234"
    assert found["result"][0]["TENTTHC"] == "Thủ tục 1.001234"
    assert found["result"][0]["LINHVUCTHUCHIEN"][0]["MALINHVUC"] == "XD"
    assert api(client, token, "LayThuTuc", maTTHC="9.999999").json()["result"] == []


def test_tracuuhoso_tells_whether_the_dossier_is_known(
    client: TestClient, sender: Credentials
) -> None:
    token = login(client, sender).json()["session"]
    assert api(client, token, "TraCuuHoSo", mahoso=CODE).json()["result"] == []
    api(client, token, "DongBoHoSoMC", [dossier()])
    found = api(client, token, "TraCuuHoSo", mahoso=CODE).json()["result"]
    assert found[0]["MaHoSo"] == CODE and "ChuHoSo" not in found[0]


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400), (b"[1]", 400), (b'{"service": "XoaHoSo"}', 401),
])
def test_malformed_api_bodies_store_nothing(
    client: TestClient, db_session: Session, body: bytes, status: int
) -> None:
    response = client.post("/dvcqg/api", content=body)
    assert response.status_code == status and response.json()["error_code"] != 0
    assert rows(db_session) == NOTHING


def test_an_unknown_service_with_a_session_is_refused(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    token = login(client, sender).json()["session"]
    response = api(client, token, "XoaHoSo", [dossier()])
    assert response.status_code == 400 and "LayThuTuc" in response.json()["message"]
    assert rows(db_session) == NOTHING


def keyed(client: TestClient, key: str, service: str, body: Any, query: str = "") -> Any:
    content = json.dumps(body, ensure_ascii=False).encode()
    return client.post(f"/dvcqg/k/{key}/{service}{query}", content=content)


def test_bare_lists_under_the_url_key(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    first = keyed(client, sender.url_key, "DongBoHoSoMC", [dossier(steps=[], DonViXuLy=None)],
                  "?MaDinhDanhDV=H21.65&isUpdating=False")
    assert every_sender_accepts(first.status_code, first.text), first.text
    steps = [step(CODE, stamp(8, 8, 30), 2), step(CODE, stamp(9, 9), 4)]
    second = keyed(client, sender.url_key, "CapNhatTienDoHoSoMC", steps)
    assert every_sender_accepts(second.status_code, second.text)
    stored = db_session.scalars(select(Dossier)).one()
    assert stored.status == 4 and rows(db_session)["dossier_event"] == 2
    envelope = {"madonvi": "H21.65", "service": "DongBoHoSoMC", "data": [dossier()]}
    assert keyed(client, sender.url_key, "api", envelope).json()["error_code"] == 0


@pytest.mark.parametrize("case", ["unknown", "revoked"])
def test_a_wrong_url_key_stores_nothing(
    client: TestClient, db_session: Session, sender: Credentials, case: str
) -> None:
    key = "not-" + sender.url_key if case == "unknown" else sender.url_key
    if case == "revoked":
        revoke_sender(db_session, sender.name, utcnow())
    response = keyed(client, key, "DongBoHoSoMC", [dossier()])
    assert response.status_code == 401 and no_sender_accepts(401, response.text)
    assert rows(db_session) == NOTHING


@pytest.mark.parametrize(("service", "query", "body"), [
    ("XoaHoSo", "", [dossier()]), ("api", "", [dossier()]),
    ("DongBoHoSoMC", "?service=CapNhatTienDoHoSoMC", [dossier()]),
    ("DongBoHoSoMC", "?isUpdating=maybe", [dossier()]), ("DongBoHoSoMC", "", {"data": 1}),
])
def test_a_keyed_delivery_naming_no_clear_service_stores_nothing(
    client: TestClient, db_session: Session, sender: Credentials, service: str, query: str,
    body: Any,
) -> None:
    response = keyed(client, sender.url_key, service, body, query)
    assert response.status_code == 400 and response.json()["error_code"] != 0
    assert rows(db_session) == NOTHING


def test_refused_records_are_named_and_the_good_ones_stored(
    client: TestClient, db_session: Session, sender: Credentials
) -> None:
    bad = dossier("H21.65-250908-0002", NgayHenTra="31/12/2025",
                  NoiDungXuLy="Xử lý thành công")
    response = keyed(client, sender.url_key, "DongBoHoSoMC", [dossier(), bad, "x"])
    reply = response.json()
    assert response.status_code == 200 and no_sender_accepts(200, response.text)
    assert "H21.65-250908-0002 (NgayHenTra:" in reply["message"]
    assert "bản ghi thứ 3 ((record):" in reply["message"]
    assert (reply["stored"], reply["quarantined"]) == (1, 2)
    assert db_session.scalars(select(Dossier.code)).all() == [CODE]


def test_bodies_over_the_limit_are_413(client: TestClient, sender: Credentials, app: Any) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_max_body_bytes": 100})
    big = [dossier()]
    assert keyed(client, sender.url_key, "DongBoHoSoMC", big).status_code == 413
    assert api(client, "x", "DongBoHoSoMC", big).status_code == 413


def test_failed_logins_are_rate_limited_good_ones_are_not(
    client: TestClient, sender: Credentials, app: Any
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"dvcqg_login_burst": 2, "dvcqg_login_per_minute": 1.0})
    assert [login(client, sender).status_code for _ in range(5)] == [200] * 5
    codes = [login(client, sender, password="guess").status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    assert login(client, sender).status_code == 429  # not even evaluated now


def test_the_url_key_never_reaches_a_log_line(
    client: TestClient, sender: Credentials, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every record goes through the log handler's MaskUrlKeys (setup_logging): uvicorn's
    access lines and any client's request lines lose the key."""
    caplog.set_level(logging.DEBUG)
    keyed(client, sender.url_key, "DongBoHoSoMC", [dossier()])
    access = logging.LogRecord("uvicorn.access", logging.INFO, "h", 1, '%s - "%s %s" %d',
                               ("127.0.0.1", "POST", f"/dvcqg/k/{sender.url_key}/x", 200), None)
    records = [*caplog.records, access]
    assert any(sender.url_key in r.getMessage() for r in records)  # or the test proves nothing
    for record in records:
        MaskUrlKeys().filter(record)
    lines = [JsonFormatter().format(r) for r in records]
    everything = "\n".join([*lines, capsys.readouterr().err])
    assert sender.url_key not in everything and sender.password not in everything


def test_senders_cli_prints_credentials_once_and_revokes(cli_database: str) -> None:
    def invoke(*args: str, code: int = 0) -> Any:
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == code, result.output
        return result

    creds = json.loads(invoke("senders", "add", "--name", "td-dvc", "--json").stdout)
    assert {"username", "password", "url_key"} <= creds.keys()
    listed = json.loads(invoke("senders", "list", "--json").stdout)
    assert listed[0]["name"] == "td-dvc" and listed[0]["active"] is True
    assert creds["password"] not in str(listed) and creds["url_key"] not in str(listed)
    assert "exists already" in invoke("senders", "add", "--name", "td-dvc", code=1).output
    assert "no agency" in invoke("senders", "add", "--name", "x1", "--agency", "NOPE",
                                 code=1).output
    invoke("senders", "revoke", "td-dvc")
    assert json.loads(invoke("senders", "list", "--json").stdout)[0]["active"] is False
