"""V3, W6, W11: the dashboard cookie cannot be made to act across sites, login forms cannot be
forged, and a session ends when the user logs out or the token is revoked.

Before: cookie-only cross-site posts to /api/v1 (form content type, empty body, evil Origin)
issued, approved and cancelled notices and retried the quarantine; POST /auth/login took no
nonce; logout only cleared the browser's cookie, so a copy kept working for 12 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import create_token, revoke_token
from app.auth.session_cookie import CSRF_HEADER, SESSION_COOKIE
from app.models import DashboardSessionRow, Notice
from app.scan.service import run_scan
from tests.dashboard.helpers import NONCE, csrf_of, login
from tests.scan.scenario import ONE_DAY_BEFORE, add_dossier, make_case

CROSS_SITE = {"Origin": "https://evil.example", "Referer": "https://evil.example/page",
              "Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Signed:
    web: TestClient
    token: str
    token_id: int
    notice_id: int


@pytest.fixture
def signed_in(app: FastAPI, db_session: Session) -> Signed:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0091")
    run_scan(db_session, ONE_DAY_BEFORE)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    created = create_token(db_session, name="Lãnh đạo", role="admin", agency=None,
                           now=datetime.now(UTC))
    db_session.commit()
    web = TestClient(app, base_url="https://testserver")
    login(web, created.secret)
    return Signed(web, created.secret, created.token.id, notice.id)


def _status(db_session: Session, notice_id: int) -> str:
    db_session.expire_all()
    notice = db_session.get(Notice, notice_id)
    assert notice is not None
    return notice.status


def test_cookie_only_cross_site_posts_to_the_api_are_refused(
    signed_in: Signed, db_session: Session
) -> None:
    web, nid = signed_in.web, signed_in.notice_id
    assert web.get("/api/v1/auth/me").status_code == 200  # reading with the cookie is fine
    for path in (f"/api/v1/notices/{nid}/approve", f"/api/v1/notices/{nid}/issue",
                 f"/api/v1/notices/{nid}/publish", f"/api/v1/notices/{nid}/cancel",
                 "/api/v1/quarantine/retry", "/api/v1/notices"):
        response = web.post(path, content=b"", headers=CROSS_SITE)
        assert response.status_code == 403, (path, response.status_code, response.text[:200])
        assert CSRF_HEADER in response.json()["reason"]
    for method in ("PATCH", "DELETE"):
        path = f"/api/v1/notices/{nid}" if method == "PATCH" else (
            "/api/v1/calendar/overrides/2026-03-10")
        assert web.request(method, path, json={}, headers=CROSS_SITE).status_code == 403
    assert _status(db_session, nid) == "draft"


def test_the_session_csrf_header_or_a_bearer_token_lets_a_change_through(
    signed_in: Signed, db_session: Session
) -> None:
    web, nid = signed_in.web, signed_in.notice_id
    wrong = web.post(f"/api/v1/notices/{nid}/approve", headers={CSRF_HEADER: "guess"})
    assert wrong.status_code == 403
    me = web.get("/api/v1/auth/me").json()
    assert me["csrf_token"] == csrf_of(web.get("/giam-sat/phieu-xin-loi").text)
    approved = web.post(f"/api/v1/notices/{nid}/approve", headers={CSRF_HEADER: me["csrf_token"]})
    assert approved.status_code == 200, approved.text
    assert _status(db_session, nid) == "approved"
    web.cookies.clear()
    bearer = {"Authorization": f"Bearer {signed_in.token}"}
    issued = web.post(f"/api/v1/notices/{nid}/issue", headers=bearer)
    assert issued.status_code == 200, issued.text
    assert web.get("/api/v1/auth/me", headers=bearer).json()["csrf_token"] is None


def _nonce(web: TestClient) -> str:
    found = NONCE.search(web.get("/login").text)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("path", ["/auth/login", "/login"])
def test_a_login_form_without_the_nonce_pair_opens_no_session(
    app: FastAPI, db_session: Session, path: str
) -> None:
    created = create_token(db_session, name="t", role="admin", agency=None,
                           now=datetime.now(UTC))
    db_session.commit()
    attacker = TestClient(app, base_url="https://testserver")
    victim = TestClient(app, base_url="https://testserver")
    stolen_nonce = _nonce(attacker)  # the attacker's own nonce, without the victim's cookie
    for data in ({"token": created.secret},
                 {"token": created.secret, "csrf_token": stolen_nonce},
                 {"token": created.secret, "csrf_token": "forged"}):
        refused = victim.post(path, data=data, headers=CROSS_SITE, follow_redirects=False)
        assert refused.status_code == 403, (data, refused.status_code)
        assert SESSION_COOKIE not in refused.cookies
    assert db_session.scalars(select(DashboardSessionRow)).all() == []
    done = attacker.post(path, data={"token": created.secret, "csrf_token": stolen_nonce},
                         follow_redirects=False)
    assert done.status_code == 303 and done.cookies.get(SESSION_COOKIE)


def test_logout_ends_the_session_for_every_copy_of_the_cookie(
    signed_in: Signed, db_session: Session
) -> None:
    web = signed_in.web
    copy = web.cookies[SESSION_COOKIE]
    csrf = csrf_of(web.get("/giam-sat/qua-han").text)
    assert web.post("/logout", data={"csrf_token": csrf}, follow_redirects=False
                    ).status_code == 303
    thief = TestClient(web.app, base_url="https://testserver")
    thief.cookies.set(SESSION_COOKIE, copy)
    assert thief.get("/api/v1/auth/me").status_code == 401
    page = thief.get("/giam-sat/qua-han", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    row = db_session.scalars(select(DashboardSessionRow)).one()
    assert row.ended_at is not None and row.ended_reason == "logout"


def test_revoking_the_token_ends_its_sessions_at_once(
    signed_in: Signed, db_session: Session
) -> None:
    web = signed_in.web
    assert web.get("/giam-sat/qua-han", follow_redirects=False).status_code == 200
    revoke_token(db_session, str(signed_in.token_id), datetime.now(UTC))
    db_session.commit()
    page = web.get("/giam-sat/qua-han", follow_redirects=False)
    assert page.status_code == 303
    assert web.get("/api/v1/auth/me").status_code == 401
    row = db_session.scalars(select(DashboardSessionRow)).one()
    assert row.ended_reason == "token revoked"
