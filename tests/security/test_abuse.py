"""Hostile callers: token comparison, headers, rate limits, body limits, CSRF, SQL, settings.

Already proven elsewhere and not repeated here: tokens stored only as hashes
(tests/auth/test_tokens.py), login rate limit and open-redirect refusal
(tests/auth/test_session_cookie.py), webhook signatures and 413s (tests/ingest/test_webhook.py).
"""

from __future__ import annotations

import ast
import hmac
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.api.middleware import SECURITY_HEADERS
from app.auth import service as auth_service
from app.auth.service import authenticate, create_token
from app.auth.session_cookie import SESSION_COOKIE
from app.auth.sessions import open_session
from app.core.config import Settings
from app.main import MAX_REQUEST_BYTES
from app.models import RawRecord
from connectors import build_envelope
from connectors.portal import signing as signing_module
from connectors.portal.signing import sign
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.payloads import dossier

PROJECT = Path(__file__).resolve().parents[2]
Headers = Callable[..., dict[str, str]]


@pytest.fixture
def spy_compare(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth_service.hmac, "compare_digest", spy)
    return calls


def test_tokens_are_compared_as_hashes_in_constant_time(
    db_session: Session, spy_compare: list[tuple[Any, Any]]
) -> None:
    created = create_token(db_session, name="t", role="admin", agency=None,
                           now=datetime.now(UTC))
    principal = authenticate(db_session, created.secret, datetime.now(UTC))
    assert principal.token_id == created.token.id
    [(stored, presented)] = spy_compare
    assert stored == presented == created.token.token_hash
    assert created.secret not in (stored, presented)  # the raw token is never compared


def test_webhook_signatures_and_csrf_use_constant_time_comparison() -> None:
    for module in (signing_module, auth_service):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        assert "compare_digest" in source
    cookie_source = (PROJECT / "app/auth/session_cookie.py").read_text(encoding="utf-8")
    assert "hmac.compare_digest(current.csrf_token, presented" in cookie_source


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/public/rates",
                                  "/api/v1/dossiers/overdue", "/nope", "/static/app.css"])
def test_security_headers_on_pages_api_errors_and_assets(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def _signed(body: bytes) -> dict[str, str]:
    return {"X-TTHC-Signature": sign(TEST_WEBHOOK_SECRET, body, int(time.time())),
            "Content-Type": "application/json"}


def test_webhook_floods_are_rate_limited_before_anything_is_stored(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_burst": 3, "webhook_rate_per_minute": 1.0})
    bodies = [json.dumps(build_envelope("DongBoHoSoMC", "H21.65", [dossier()],
                                        session=f"push-{n}")).encode() for n in range(5)]
    codes = [client.post("/api/v1/webhooks/dvc", content=body, headers=_signed(body))
             for body in bodies]
    assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
    refused = codes[-1]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error_code"] == 429 and refused.json()["error"] == "too_many_requests"
    # Unsigned junk is refused by the limiter too: a flood costs no HMAC and no body read.
    assert client.post("/api/v1/webhooks/dvc", content=b"x").status_code == 429
    assert db_session.scalar(select(func.count()).select_from(RawRecord)) == 1


def _big_json() -> bytes:
    return json.dumps({"dossier_code": "x" * (MAX_REQUEST_BYTES + 10)}).encode()


def test_oversized_bodies_are_413_for_every_json_route(
    client: TestClient, auth_headers: Headers
) -> None:
    admin = auth_headers("admin")
    body = _big_json()
    for method, path in [("POST", "/api/v1/notices"), ("POST", "/api/v1/calendar/overrides"),
                         ("POST", "/api/v1/quarantine/retry"), ("PATCH", "/api/v1/notices/1")]:
        for headers in ({}, admin):
            response = client.request(method, path, content=body,
                                      headers={**headers, "Content-Type": "application/json"})
            assert response.status_code == 413, (method, path, response.status_code)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts bytes read
        for _ in range(20):
            yield b" " * 100_000

    response = client.post("/auth/login", content=chunks(),  # type: ignore[arg-type]
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_dashboard_form_refuses_a_missing_or_wrong_csrf_token(
    app: FastAPI, client: TestClient, db_session: Session
) -> None:
    created = create_token(db_session, name="admin", role="admin", agency=None,
                           now=datetime.now(UTC))
    opened = open_session(db_session, created.token.id, datetime.now(UTC))
    db_session.commit()
    client.cookies.set(SESSION_COOKIE, opened.secret)
    forms = [str(r.path).replace("{notice_id}", "1").replace("{step}", "duyet")
             for r in iter_route_contexts(app.routes)
             if "POST" in (r.methods or ())
             and not str(r.path).startswith(("/api/", "/dvcqg/"))]  # machine routes
    assert "/giam-sat/phieu-xin-loi/1/duyet" in forms and "/logout" in forms
    assert {"/giam-sat/phieu-xin-loi/soan", "/giam-sat/phieu-xin-loi/1/sua"} <= set(forms)
    assert "/giam-sat/he-thong-gui" in forms
    for path in forms:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data, follow_redirects=False)
            if path in ("/login", "/auth/login"):
                # Login forms carry no session yet: /login checks its own nonce cookie and
                # /auth/login a token; neither can be driven to act on someone's behalf.
                assert response.status_code in (400, 401, 403, 422), (path, response.status_code)
                continue
            assert response.status_code == 403, (path, data, response.status_code)
    assert client.cookies.get(SESSION_COOKIE)  # still logged in: nothing acted on the forgery


def test_sql_is_built_only_through_sqlalchemy() -> None:
    """No SQL string is assembled from values: no f-string, % or + inside text() or
    exec_driver_sql(), and no raw DB-API cursor outside the SQLite connection setup."""
    # constant names and numbers: keep-alive options; SQLite PRAGMAs (no bind parameters there)
    # given integers from validated settings; ANALYZE of table names read from the catalog as
    # regclass text (quoted by PostgreSQL); SQLite's multi-row VALUES of app/db/bulk.py: a "(?, ?…)"
    # group repeated per row after the model's own names quoted by the dialect
    allowed = {("app/scheduler/leader.py", "tcp_keepalives"), ("app/db/session.py", "PRAGMA"),
               ("app/ingest/statistics.py", "ANALYZE"), ("app/db/bulk.py", "[one] * len(chunk)")}
    problems = []
    for path in sorted([*PROJECT.joinpath("app").rglob("*.py"),
                        *PROJECT.joinpath("connectors").rglob("*.py")]):
        rel = path.relative_to(PROJECT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in {"text", "exec_driver_sql", "execute"} or not node.args:
                continue
            arg = node.args[0]
            built = isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format")
            if built and not any(rel == f and m in ast.unparse(arg) for f, m in allowed):
                problems.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not problems, "SQL assembled from strings:\n" + "\n".join(problems)


STRONG = "k" * 40


@pytest.mark.parametrize(("changes", "message"), [
    ({}, "TTHC_SECRET_KEY"),
    ({"secret_key": "s" * 31, "webhook_secret": "w" * 32}, "TTHC_SECRET_KEY"),
    ({"secret_key": STRONG}, "TTHC_WEBHOOK_SECRET is empty"),
    ({"secret_key": STRONG, "webhook_secret": "w" * 15}, "at least 16"),
])
def test_production_refuses_every_unsafe_default(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, str], message: str
) -> None:
    for name in ("TTHC_SECRET_KEY", "TTHC_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, environment="production", **changes)  # type: ignore[call-arg]


def test_production_starts_with_real_secrets_and_never_prints_them() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, environment="production", secret_key=STRONG, webhook_secret="w" * 32,
        webhooks_enabled=True,
    )
    assert settings.secret_key == STRONG
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, environment="production",  # type: ignore[call-arg]
                 secret_key="short-but-secret", webhook_secret="w" * 32)
    assert "TTHC_SECRET_KEY" in str(refused.value)
    assert "short-but-secret" not in str(refused.value)  # start-up errors reach the logs


def test_the_app_factory_refuses_to_start_in_production_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.core.config import get_settings
    from app.main import app_factory

    monkeypatch.setenv("TTHC_ENVIRONMENT", "production")
    for name in ("TTHC_SECRET_KEY", "TTHC_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="TTHC_SECRET_KEY"):
            app_factory()
    finally:
        get_settings.cache_clear()
