from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import revoke_token
from app.auth.session_cookie import SESSION_COOKIE
from app.auth.sessions import find_session
from app.core.config import Settings
from app.models import ApiToken, DashboardSessionRow
from tests.dashboard.helpers import NONCE

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
MakeToken = Callable[..., str]


def _form(client: TestClient, **data: str) -> dict[str, str]:
    """The fields of a login post, with the nonce of a fresh GET /login (its cookie is kept)."""
    nonce = NONCE.search(client.get("/login").text)
    assert nonce is not None
    return {**data, "csrf_token": nonce.group(1)}


def _logged_in(client: TestClient, token: str) -> None:
    response = client.post(
        "/auth/login", data=_form(client, token=token, next="/bao-cao"), follow_redirects=False
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
        response = client.post("/auth/login", data=_form(client, token="tthc_" + "b" * 43))
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.cookies


def test_open_redirect_is_refused(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        response = client.post(
            "/auth/login",
            data=_form(client, token=make_token("admin"), next="//evil.example/"),
            follow_redirects=False,
        )
    assert response.headers["location"] == "/"


def test_tampered_cookie_is_refused(guarded_app: FastAPI, make_token: MakeToken) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("viewer", "TINH"))
        value = client.cookies[SESSION_COOKIE]
        client.cookies.clear()
        forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
        client.cookies.set(SESSION_COOKIE, forged)
        response = client.get("/test/whoami")
    assert response.status_code == 401
    assert "session" in response.json()["reason"]


def test_the_cookie_is_a_random_secret_stored_only_as_a_hash(
    guarded_app: FastAPI, db_session: Session, make_token: MakeToken
) -> None:
    token = make_token("viewer", "TINH")
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, token)
        secret = client.cookies[SESSION_COOKIE]
    row = db_session.scalars(select(DashboardSessionRow)).one()
    assert secret not in (row.secret_hash, row.csrf_token) and token not in secret
    assert find_session(db_session, secret, datetime.now(UTC)) is not None
    for garbage in ("garbage", "", "x" * 500, "é" * 40):
        assert find_session(db_session, garbage, datetime.now(UTC)) is None


def test_an_expired_session_is_refused(
    guarded_app: FastAPI, db_session: Session, make_token: MakeToken
) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("viewer", "TINH"))
        secret = client.cookies[SESSION_COOKIE]
        row = db_session.scalars(select(DashboardSessionRow)).one()
        assert find_session(db_session, secret, row.expires_at - timedelta(seconds=1))
        assert find_session(db_session, secret, row.expires_at) is None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db_session.commit()
        assert client.get("/test/whoami").status_code == 401


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
    guarded_app: FastAPI, db_session: Session, make_token: MakeToken
) -> None:
    with TestClient(guarded_app, base_url="https://testserver") as client:
        _logged_in(client, make_token("admin"))
        session = find_session(db_session, client.cookies[SESSION_COOKIE], datetime.now(UTC))
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
        form = _form(client, token="tthc_" + "c" * 43)
        codes = [client.post("/auth/login", data=form).status_code for _ in range(8)]
    assert codes[:5] == [401] * 5
    assert codes[-1] == 429


@pytest.mark.parametrize("environment", ["development"])
def test_cookie_not_secure_in_development(
    guarded_app: FastAPI, app_settings: Settings, make_token: MakeToken, environment: str
) -> None:
    guarded_app.state.settings = app_settings.model_copy(update={"environment": environment})
    with TestClient(guarded_app) as client:
        response = client.post(
            "/auth/login", data=_form(client, token=make_token("admin")), follow_redirects=False
        )
    assert "Secure" not in response.headers["set-cookie"]
