"""The admin's "Hệ thống gửi" page and the "Chất lượng dữ liệu" page; the dossier page's
anomalies."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.ingest.service import ingest_records
from app.models import Sender
from app.senders.service import add_sender
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import NONCE, Seeded, login
from tests.ingest.payloads import as_records, dossier, stamp, step


def test_supervisors_cannot_open_the_senders_page(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/he-thong-gui")
    assert response.status_code == 403 and "quản trị viên" in response.text
    assert 'href="/giam-sat/he-thong-gui"' not in supervisor.get("/giam-sat/qua-han").text


def test_an_admin_registers_a_sender_sees_the_credentials_once_and_revokes_it(
    web: TestClient, seeded: Seeded, make_token: MakeToken, db_session: Session
) -> None:
    login(web, make_token("admin", None, name="Quản trị"))
    page = web.get("/giam-sat/he-thong-gui")
    assert page.status_code == 200 and "Chưa có hệ thống gửi nào" in page.text
    csrf = NONCE.search(page.text)
    assert csrf is not None
    added = web.post("/giam-sat/he-thong-gui",
                     data={"name": "vnpt-igate", "agency": "TINH", "csrf_token": csrf.group(1)})
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    assert "Chỉ hiện một lần" in added.text
    sender = db_session.scalars(select(Sender)).one()
    shown = [v for v in added.text.split('"code">')[1:] if v.startswith(sender.url_key_prefix)]
    assert shown, "the URL key is on the answer page"
    again = web.get("/giam-sat/he-thong-gui")
    assert sender.url_key_prefix + "…" in again.text and "Chỉ hiện một lần" not in again.text
    no_csrf = web.post("/giam-sat/he-thong-gui/vnpt-igate/thu-hoi", data={})
    assert no_csrf.status_code == 403
    revoked = web.post("/giam-sat/he-thong-gui/vnpt-igate/thu-hoi",
                       data={"csrf_token": csrf.group(1)}, follow_redirects=True)
    assert "Đã thu hồi quyền gửi của vnpt-igate" in revoked.text
    db_session.refresh(sender)
    assert sender.revoked_at is not None
    duplicate = web.post("/giam-sat/he-thong-gui",
                         data={"name": "vnpt-igate", "csrf_token": csrf.group(1)})
    assert duplicate.status_code == 409


def test_quality_page_counts_anomalies_by_sender_and_agency(
    web: TestClient, seeded: Seeded, make_token: MakeToken, db_session: Session
) -> None:
    add_sender(db_session, "td-dvc", "HUYEN", utcnow())
    sender = db_session.scalars(select(Sender)).one()
    code = "HUYEN-250908-0001"
    records = as_records([dossier(code, agency="HUYEN", TenTTHC="", TrichYeuHoSo="Dinhkem",
                                  steps=[step(code, stamp(8, 8, 30), 5,
                                              "Hoàn thành bổ sung hồ sơ")])])
    ingest_records(db_session, "dvcqg", records, datetime.now(UTC), sender_id=sender.id)
    db_session.commit()
    login(web, make_token("supervisor", "TINH"))
    page = web.get("/giam-sat/chat-luong-du-lieu")
    assert page.status_code == 200
    for text in ("td-dvc", "UBND huyện Đức Trọng", "Thiếu tên thủ tục/lĩnh vực",
                 "Trích yếu giữ chỗ", "Hoàn thành bổ sung gửi mã tạm dừng", code):
        assert text in page.text
    detail = web.get(f"/giam-sat/ho-so/{code}")
    assert "Dữ liệu chưa chuẩn từ hệ thống gửi" in detail.text
    assert "giá trị giữ chỗ “Dinhkem”" in detail.text
    assert "Kênh nộp</dt><dd>Không rõ" in detail.text
    other = web.get("/giam-sat/chat-luong-du-lieu")
    login(web, make_token("supervisor", "KHAC"))
    scoped = web.get("/giam-sat/chat-luong-du-lieu")
    assert code in other.text and code not in scoped.text
