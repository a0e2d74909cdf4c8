from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import revoke_token
from app.models import Agency, ApiToken

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MakeToken = Callable[..., str]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_is_401_with_challenge(guarded_app: FastAPI) -> None:
    with TestClient(guarded_app) as client:
        response = client.get("/test/whoami")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"
    assert response.json()["reason"]


def test_wrong_scheme_and_unknown_token_are_401(guarded_app: FastAPI) -> None:
    with TestClient(guarded_app) as client:
        basic = client.get("/test/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        unknown = client.get("/test/whoami", headers=_bearer("tthc_" + "a" * 43))
    assert basic.status_code == 401 and "Bearer" in basic.json()["reason"]
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"] == "Bearer"


def test_scope_through_http(
    guarded_app: FastAPI, make_token: MakeToken, agencies: dict[str, Agency]
) -> None:
    token = make_token("viewer", "HUYEN-A")
    with TestClient(guarded_app) as client:
        response = client.get("/test/whoami", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {
        "role": "viewer",
        "agency_ids": sorted([agencies["HUYEN-A"].id, agencies["XA-A1"].id]),
    }


def test_roles_are_ordered(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app) as client:
        viewer = client.get("/test/supervisor-only", headers=_bearer(make_token("viewer", "TINH")))
        supervisor = client.get(
            "/test/supervisor-only", headers=_bearer(make_token("supervisor", "TINH"))
        )
        admin = client.get("/test/supervisor-only", headers=_bearer(make_token("admin")))
    assert viewer.status_code == 403 and viewer.json()["error"] == "forbidden"
    assert supervisor.status_code == 200
    assert admin.status_code == 200


def test_revoked_token_gets_401(
    guarded_app: FastAPI, db_session: Session, make_token: MakeToken
) -> None:
    token = make_token("admin")
    row = db_session.scalars(select(ApiToken)).one()
    revoke_token(db_session, str(row.id), NOW)
    with TestClient(guarded_app) as client:
        response = client.get("/test/whoami", headers=_bearer(token))
    assert response.status_code == 401
    assert "revoked" in response.json()["reason"]


def test_me_endpoint(client: TestClient, make_token: MakeToken) -> None:
    response = client.get("/api/v1/auth/me", headers=_bearer(make_token("admin", name="Quản trị")))
    assert response.status_code == 200
    assert response.json()["name"] == "Quản trị"
    assert response.json()["agency_ids"] is None
