from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import revoke_token
from app.auth.session_cookie import (
    SESSION_COOKIE,
    DashboardSession,
    decode_session,
    encode_session,
)
from app.core.config import Settings
from app.models import ApiToken

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MakeToken = Callable[..., str]


def _logged_in(client: TestClient, token: str) -> None:
    response = client.post(
        "/auth/login", data={"token": token, "next": "/bao-cao"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/bao-cao"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert token not in cookie


def test_login_then_cookie_authenticates(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("viewer", "HUYEN-B"))
        assert client.get("/test/whoami").json()["role"] == "viewer"


def test_login_with_bad_token_is_refused(guarded_app: FastAPI) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        response = client.post("/auth/login", data={"token": "tthc_" + "b" * 43})
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies


def test_open_redirect_is_refused(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        response = client.post(
            "/auth/login",
            data={"token": make_token("admin"), "next": "//evil.example/"},
            follow_redirects=False,
        )
    assert response.headers["location"] == "/"


def test_tampered_cookie_is_refused(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("viewer", "TINH"))
        value = client.cookies[SESSION_COOKIE]
        payload, _, signature = value.rpartition(".")
        client.cookies.clear()
        forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
        client.cookies.set(SESSION_COOKIE, f"{forged}.{signature}")
        response = client.get("/test/whoami")
    assert response.status_code == 401
    assert "session" in response.json()["reason"]


def test_cookie_signed_with_another_key_is_refused(app_settings: Settings) -> None:
    value = DashboardSession(token_id=1, csrf_token="c", expires_at=NOW + timedelta(hours=1))
    other = app_settings.model_copy(update={"secret_key": "x" * 40})
    assert decode_session(app_settings, encode_session(app_settings, value), NOW) == value
    assert decode_session(app_settings, encode_session(other, value), NOW) is None
    assert decode_session(app_settings, "garbage", NOW) is None


def test_expired_cookie_is_refused(app_settings: Settings) -> None:
    value = DashboardSession(token_id=1, csrf_token="c", expires_at=NOW + timedelta(hours=1))
    cookie = encode_session(app_settings, value)
    assert decode_session(app_settings, cookie, NOW + timedelta(hours=2)) is None


def test_revoking_the_token_ends_the_session(
    guarded_app: FastAPI, db_session: Session, make_token: MakeToken
) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("admin"))
        row = db_session.scalars(select(ApiToken)).one()
        revoke_token(db_session, str(row.id), NOW)
        db_session.commit()
        assert client.get("/test/whoami").status_code == 401


def test_logout_needs_the_csrf_token(
    guarded_app: FastAPI, app_settings: Settings, make_token: MakeToken
) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("admin"))
        session = decode_session(
            app_settings, client.cookies[SESSION_COOKIE], datetime.now(UTC)
        )
        assert session is not None
        wrong = client.post("/auth/logout", data={"csrf_token": "nope"}, follow_redirects=False)
        missing = client.post("/auth/logout", follow_redirects=False)
        assert wrong.status_code == 403 and missing.status_code == 403
        assert client.get("/test/whoami").status_code == 200
        right = client.post(
            "/auth/logout", data={"csrf_token": session.csrf_token}, follow_redirects=False
        )
        assert right.status_code == 303
        assert client.get("/test/whoami").status_code == 401


def test_login_is_rate_limited(guarded_app: FastAPI) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        codes = [
            client.post("/auth/login", data={"token": "tthc_" + "c" * 43}).status_code
            for _ in range(8)
        ]
    assert codes[:5] == [401] * 5
    assert codes[-1] == 429


@pytest.mark.parametrize("environment", ["development"])
def test_cookie_not_secure_in_development(
    guarded_app: FastAPI, app_settings: Settings, make_token: MakeToken, environment: str
) -> None:
    guarded_app.state.settings = app_settings.model_copy(update={"environment": environment})
    with TestClient(guarded_app) as client:
        response = client.post(
            "/auth/login", data={"token": make_token("admin")}, follow_redirects=False
        )
    assert "Secure" not in response.headers["set-cookie"]
