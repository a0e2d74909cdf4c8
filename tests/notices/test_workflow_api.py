"""The notices API: roles and agency scope, the workflow over HTTP, files, the public list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Notice
from app.scan.service import run_scan
from tests.scan.scenario import (
    APPLICANT,
    ID_NUMBER,
    ONE_DAY_BEFORE,
    PHONE,
    add_dossier,
    make_case,
)

Headers = Callable[..., dict[str, str]]
CODE = "000.00.12.H36-260302-0077"


@pytest.fixture
def notice_id(db_session: Session) -> int:
    case = make_case(db_session)
    make_case(db_session, "-B")
    dossier = add_dossier(db_session, case, CODE)
    run_scan(db_session, ONE_DAY_BEFORE)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    db_session.commit()  # a savepoint: a refused request must not roll the arrangement back
    return notice.id


def test_notices_need_a_token(client: TestClient, notice_id: int) -> None:
    assert client.get("/api/v1/notices").status_code == 401
    assert client.post(f"/api/v1/notices/{notice_id}/approve").status_code == 401


def test_viewer_reads_but_cannot_act(
    client: TestClient, notice_id: int, auth_headers: Headers
) -> None:
    viewer = auth_headers("viewer", agency="STP-LD")
    listed = client.get("/api/v1/notices", headers=viewer)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert (item["id"], item["dossier_code"], item["status"], item["number"]) == (
        notice_id,
        CODE,
        "draft",
        "01/PXL-STP",
    )
    refused = client.post(f"/api/v1/notices/{notice_id}/approve", headers=viewer)
    assert refused.status_code == 403


def test_supervisor_of_another_agency_cannot_see_or_act(
    client: TestClient, notice_id: int, auth_headers: Headers
) -> None:
    other = auth_headers("supervisor", agency="STP-LD-B")
    assert client.get("/api/v1/notices", headers=other).json()["items"] == []
    assert client.get(f"/api/v1/notices/{notice_id}", headers=other).status_code == 403
    assert client.post(f"/api/v1/notices/{notice_id}/approve", headers=other).status_code == 403


def test_supervisor_walks_the_workflow_and_downloads_the_files(
    client: TestClient, notice_id: int, auth_headers: Headers
) -> None:
    boss = auth_headers("supervisor", agency="UBND-LD")  # the province: its subtree
    patched = client.patch(
        f"/api/v1/notices/{notice_id}",
        json={"reason": "Chờ kết quả xác minh của Công an tỉnh", "signer_name": "Trần Quốc Hưng"},
        headers=boss,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["reason"] == "Chờ kết quả xác minh của Công an tỉnh"
    early = client.post(f"/api/v1/notices/{notice_id}/issue", headers=boss)
    assert early.status_code == 409 and "approved first" in early.json()["reason"]
    assert client.post(f"/api/v1/notices/{notice_id}/approve", headers=boss).status_code == 200
    issued = client.post(f"/api/v1/notices/{notice_id}/issue", headers=boss)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["status"] == "issued" and body["signer_name"] == "Trần Quốc Hưng"
    assert [e["action"] for e in body["events"]] == ["drafted", "edited", "approved", "issued"]
    assert {f["format"] for f in body["files"]} == {"pdf", "docx"}
    pdf = client.get(f"/api/v1/notices/{notice_id}/files/pdf", headers=boss)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    docx = client.get(f"/api/v1/notices/{notice_id}/files/docx", headers=boss)
    assert docx.content.startswith(b"PK")
    assert client.get(f"/api/v1/notices/{notice_id}/files/html", headers=boss).status_code == 422
    edit_late = client.patch(f"/api/v1/notices/{notice_id}", json={"reason": "x"}, headers=boss)
    assert edit_late.status_code == 409


def test_second_notice_for_a_dossier_is_a_409(
    client: TestClient, notice_id: int, auth_headers: Headers
) -> None:
    boss = auth_headers("supervisor", agency="STP-LD")
    again = client.post("/api/v1/notices", json={"dossier_code": CODE}, headers=boss)
    assert again.status_code == 409
    assert "re-set only once" in again.json()["reason"]
    missing = client.post("/api/v1/notices", json={"dossier_code": "NOPE"}, headers=boss)
    assert missing.status_code == 404


def test_cancel_only_from_draft(client: TestClient, notice_id: int, auth_headers: Headers) -> None:
    boss = auth_headers("supervisor", agency="STP-LD")
    cancelled = client.post(
        f"/api/v1/notices/{notice_id}/cancel", json={"note": "Đã trả kết quả"}, headers=boss
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/notices/{notice_id}/cancel", headers=boss)
    assert again.status_code == 409
    listed = client.get("/api/v1/notices", params={"status": "draft"}, headers=boss)
    assert listed.json()["items"] == []
    bad = client.get("/api/v1/notices", params={"status": "lost"}, headers=boss)
    assert bad.status_code == 422


def test_public_list_shows_published_apologies_without_personal_data(
    client: TestClient, notice_id: int, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    for step in ("approve", "issue"):
        assert client.post(f"/api/v1/notices/{notice_id}/{step}", headers=admin).status_code == 200
    assert client.get("/api/v1/public/apologies").json()["items"] == []  # issued, not published
    assert client.post(f"/api/v1/notices/{notice_id}/publish", headers=admin).status_code == 200
    public = client.get("/api/v1/public/apologies")  # no token
    assert public.status_code == 200
    [item] = public.json()["items"]
    assert item["dossier_code"] == CODE
    assert item["applicant"] == "Nguyễn T. Á. T."
    assert item["procedure_name"] == "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"
    assert item["agency_name"] == "Sở Tư pháp"
    assert item["new_due_at"] > item["original_due_at"]
    for secret in (APPLICANT, PHONE, ID_NUMBER, "test admin"):
        assert secret not in public.text
