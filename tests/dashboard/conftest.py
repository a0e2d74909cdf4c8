"""Dashboard fixtures: seeded data, tokens, and browser-like clients (logged in or not)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.notices import service as notices
from app.notices.drafting import create_draft
from tests.dashboard.helpers import Seeded, login, seed


@pytest.fixture
def seeded(db_session: Session) -> Seeded:
    return seed(db_session, datetime.now(UTC))


@pytest.fixture
def published_notice(db_session: Session, seeded: Seeded) -> str:
    """A notice for the foreign dossier taken through draft, approve, issue and publish."""
    now = datetime.now(UTC)
    notice = create_draft(db_session, seeded.foreign.code, now, actor="Cán bộ")
    for step in (notices.approve, notices.issue, notices.publish):
        step(db_session, notice.id, now, actor="Lãnh đạo Sở")
    db_session.commit()
    return seeded.foreign.code


MakeToken = Callable[..., str]


@pytest.fixture
def make_token(db_session: Session) -> MakeToken:
    def make(role: str = "supervisor", agency: str | None = "TINH", name: str = "Giám sát") -> str:
        created = create_token(
            db_session, name=name, role=role, agency=agency, now=datetime.now(UTC)
        )
        db_session.commit()
        return created.secret

    return make


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client over https (the session cookie is Secure outside development)."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def supervisor(web: TestClient, seeded: Seeded, make_token: MakeToken) -> TestClient:
    """Logged in as a supervisor of the province (sees TINH and HUYEN, not KHAC)."""
    login(web, make_token("supervisor", "TINH"))
    return web
