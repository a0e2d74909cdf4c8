from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

AS_OF = "2026-03-10T09:00:00+07:00"


@pytest.fixture
def seeded(db_session: Session) -> None:
    province = make_agency(db_session, "TINH", "UBND tỉnh")
    district = make_agency(db_session, "HUYEN", "UBND huyện Đức Trọng", parent=province)
    other = make_agency(db_session, "KHAC", "Sở Xây dựng")
    procedure = make_procedure(db_session, "1.001", "1", "working_days")
    late = make_dossier(db_session, "D-LATE", district, procedure, local(2026, 3, 2, 9, 0))
    add_event(db_session, late, local(2026, 3, 2, 9, 0), 2, "Tiếp nhận hồ sơ")
    foreign = make_dossier(db_session, "F-LATE", other, procedure, local(2026, 3, 2, 9, 0))
    refresh_deadlines(db_session, [late, foreign], local(2026, 3, 10, 9, 0))


def test_lists_need_a_token(client: TestClient, seeded: None) -> None:
    for path in (
        "/api/v1/dossiers/overdue",
        "/api/v1/dossiers/due-soon",
        "/api/v1/dossiers/D-LATE",
    ):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_supervisor_sees_own_subtree_only(
    client: TestClient, seeded: None, auth_headers: Callable[..., dict[str, str]]
) -> None:
    headers = auth_headers("supervisor", agency="TINH")
    page = client.get("/api/v1/dossiers/overdue", params={"as_of": AS_OF}, headers=headers)
    assert page.status_code == 200, page.text
    assert [i["code"] for i in page.json()["items"]] == ["D-LATE"]
    assert page.json()["items"][0]["working_hours_late"] == 40.0  # 5 working days
    assert client.get("/api/v1/dossiers/F-LATE", headers=headers).status_code == 403
    foreign = client.get(
        "/api/v1/dossiers/overdue", params={"agency": "KHAC", "as_of": AS_OF}, headers=headers
    )
    assert foreign.status_code == 403


def test_admin_sees_all_and_filters(
    client: TestClient, seeded: None, auth_headers: Callable[..., dict[str, str]]
) -> None:
    headers = auth_headers("admin")
    everything = client.get("/api/v1/dossiers/overdue", params={"as_of": AS_OF}, headers=headers)
    assert {i["code"] for i in everything.json()["items"]} == {"D-LATE", "F-LATE"}
    one_page = client.get(
        "/api/v1/dossiers/overdue", params={"as_of": AS_OF, "limit": 1}, headers=headers
    ).json()
    assert len(one_page["items"]) == 1 and one_page["next_cursor"]
    rest = client.get(
        "/api/v1/dossiers/overdue",
        params={"as_of": AS_OF, "limit": 1, "cursor": one_page["next_cursor"]},
        headers=headers,
    ).json()
    assert {one_page["items"][0]["code"], rest["items"][0]["code"]} == {"D-LATE", "F-LATE"}
    assert (
        client.get(
            "/api/v1/dossiers/overdue", params={"agency": "NOPE"}, headers=headers
        ).status_code
        == 404
    )
    bad = client.get("/api/v1/dossiers/overdue", params={"cursor": "zzz"}, headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.json()["reason"]


def test_detail_has_timeline_and_explanation(
    client: TestClient, seeded: None, auth_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get(
        "/api/v1/dossiers/D-LATE",
        params={"as_of": AS_OF},
        headers=auth_headers("supervisor", agency="HUYEN"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["classification"] == "overdue"
    assert body["timeline"][0]["content"] == "Tiếp nhận hồ sơ"
    assert "Bắt đầu tính thời hạn" in body["explanation_text"]
    assert body["applicant"]["name"] == "Nguyễn Văn An"


def test_viewer_gets_no_personal_data(
    client: TestClient, seeded: None, auth_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/api/v1/dossiers/D-LATE", headers=auth_headers("viewer", agency="HUYEN"))
    assert response.status_code == 200
    assert response.json()["applicant"] is None
    assert "0912345678" not in response.text and "Nguyễn Văn An" not in response.text


def test_unknown_dossier_is_404(
    client: TestClient, seeded: None, auth_headers: Callable[..., dict[str, str]]
) -> None:
    response = client.get("/api/v1/dossiers/NOPE", headers=auth_headers("admin"))
    assert response.status_code == 404
    assert "NOPE" in response.json()["reason"]
