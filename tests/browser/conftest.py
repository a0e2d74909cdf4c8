"""Browser tests: the app served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without it the tests
skip, except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.core.background_server import free_port
from app.core.config import Settings
from app.db.session import make_engine
from app.deadlines.store.sync import refresh_deadlines
from app.main import create_app
from app.models import Procedure
from app.notices import service as notices
from app.notices.drafting import create_draft
from tests.dashboard.helpers import Seeded, seed
from tests.factories import add_event, make_dossier

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests need Chromium in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def browser(chromium_path: Path) -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    token: str
    seeded: Seeded
    database_url: str = ""  # to add data a test needs beside the seed


LATE_WITHOUT_APOLOGY = "H-LATE-02"


def add_late_without_apology(session: Session, seeded: Seeded, now: datetime) -> None:
    """A late dossier as the scan leaves it when no apology was drafted in time."""
    procedure = session.get(Procedure, seeded.late.procedure_id)
    assert procedure is not None
    received = now - timedelta(days=20)
    late = make_dossier(session, LATE_WITHOUT_APOLOGY, seeded.district, procedure, received)
    add_event(session, late, received, 2, "Tiếp nhận hồ sơ tại Bộ phận một cửa")
    refresh_deadlines(session, [late], now)
    late.late_without_apology = True


@pytest.fixture
def live_app(database_factory: DatabaseFactory) -> Iterator[LiveApp]:
    """A fresh migrated SQLite database, seeded, served by uvicorn in a thread."""
    url = database_factory.create("sqlite")
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        seeded = seed(session, now)
        add_late_without_apology(session, seeded, now)
        published = create_draft(session, seeded.foreign.code, now, actor="Cán bộ")
        for step in (notices.approve, notices.issue, notices.publish):
            step(session, published.id, now, actor="Lãnh đạo Sở")
        token = create_token(
            session, name="Giám sát tỉnh", role="supervisor", agency="TINH", now=now
        ).secret
        session.commit()
    with serve(url, engine) as base_url:
        yield LiveApp(base_url, token, seeded, url)


@contextmanager
def serve(url: str, engine: Engine) -> Iterator[str]:
    """The app on `engine` served by uvicorn in a thread; yields its base URL, then disposes
    of the engine."""
    # Development: the session cookie is not marked Secure, as the server speaks plain http.
    settings = Settings(environment="development", database_url=url, log_json=False)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, engine), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
