from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from tests.factories import local, make_agency, make_dossier, make_procedure


def test_admin_adds_and_removes_override_and_due_moves(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    agency = make_agency(db_session, "A")
    procedure = make_procedure(db_session, "1.1", "1", "working_days")
    dossier = make_dossier(db_session, "D1", agency, procedure, local(2026, 3, 2, 10, 0))
    refresh_deadlines(db_session, [dossier], local(2026, 3, 2, 11, 0))
    admin = auth_headers("admin")
    body = {
        "day": "2026-03-03",
        "kind": "day_off",
        "reason": "Nghỉ do bão số 3",
        "source": "CV 15/UBND-VP",
    }
    created = client.post("/api/v1/calendar/overrides", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["recomputed_dossiers"] == 1
    db_session.refresh(dossier)
    assert dossier.due_at == local(2026, 3, 4, 10, 0)
    listed = client.get("/api/v1/calendar/overrides", headers=admin).json()
    assert [o["reason"] for o in listed] == ["Nghỉ do bão số 3"]
    day = client.get(
        "/api/v1/calendar/days", params={"from": "2026-03-03", "to": "2026-03-03"}, headers=admin
    ).json()
    assert day[0]["is_working"] is False and day[0]["source"] == "CV 15/UBND-VP"
    duplicate = client.post("/api/v1/calendar/overrides", json=body, headers=admin)
    assert duplicate.status_code == 409
    assert client.delete("/api/v1/calendar/overrides/2026-03-03", headers=admin).status_code == 200
    assert client.delete("/api/v1/calendar/overrides/2026-03-03", headers=admin).status_code == 404


def test_bad_override_input_is_422(
    client: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    admin = auth_headers("admin")
    for body in (
        {"day": "2026-02-30", "kind": "day_off", "reason": "x", "source": "y"},
        {"day": "2026-03-03", "kind": "holiday", "reason": "x", "source": "y"},
        {"day": "2026-03-03", "kind": "day_off", "reason": "", "source": "y"},
    ):
        response = client.post("/api/v1/calendar/overrides", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.json()["reason"]


def test_only_admins_change_the_calendar(
    client: TestClient, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    make_agency(db_session, "S")
    body = {"day": "2026-03-03", "kind": "day_off", "reason": "x", "source": "y"}
    assert client.post("/api/v1/calendar/overrides", json=body).status_code == 401
    supervisor = auth_headers("supervisor", agency="S")
    assert (
        client.post("/api/v1/calendar/overrides", json=body, headers=supervisor).status_code == 403
    )
    assert client.get("/api/v1/calendar/overrides", headers=supervisor).status_code == 200
