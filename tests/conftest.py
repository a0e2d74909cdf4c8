"""Test harness: every database test runs on SQLite and on PostgreSQL.

The schema always comes from `alembic upgrade head`. Each test runs inside a transaction that is
rolled back, so tests do not see each other's rows. In CI (CI=true) an unreachable PostgreSQL
fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.core.config import Settings
from app.db import migrate
from app.db.session import make_engine
from app.main import create_app

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
# tools/mutation.py: a failing example is all a mutant run needs; shrinking it only costs time.
settings.register_profile(
    "mutation", parent=settings.get_profile("default"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POSTGRES_URL = os.environ.get(
    "TTHC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
_BACKENDS: list[str] = []
_POSTGRES_PROBLEM: str | None = None


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backends",
        default=os.environ.get("TTHC_TEST_BACKENDS", "sqlite,postgresql"),
        help="comma-separated database backends to run database tests on",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _POSTGRES_PROBLEM
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 set; a rich console created at
    # import time (the CLI modules') with both set keeps 80 columns whatever a test sets later.
    for frozen in ("COLUMNS", "LINES"):
        os.environ.pop(frozen, None)
    wanted = [b.strip() for b in config.getoption("--backends").split(",") if b.strip()]
    _BACKENDS.clear()
    if "sqlite" in wanted:
        _BACKENDS.append("sqlite")
    if "postgresql" in wanted:
        _POSTGRES_PROBLEM = _postgres_reachable()
        if _POSTGRES_PROBLEM is None:
            _BACKENDS.append("postgresql")
        elif os.environ.get("CI", "").lower() == "true":
            raise pytest.UsageError(
                f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} is unreachable in CI "
                f"({_POSTGRES_PROBLEM}); start it before running the tests"
            )


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"database backends: {', '.join(_BACKENDS) or 'none'}"]
    if _POSTGRES_PROBLEM:
        lines.append(f"postgresql skipped: {_POSTGRES_PROBLEM}")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _BACKENDS, scope="session")


class DatabaseFactory:
    """Creates empty, migrated databases and removes them at the end of the session.

    Each backend's first database is migrated with `alembic upgrade head` and kept as this
    worker's template; the next ones are copies of it (SQLite: the file; PostgreSQL:
    ``CREATE DATABASE … TEMPLATE``), the same schema without running twenty migrations for
    each of several hundred tests."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self._postgres_names: list[str] = []
        self._templates: dict[str, str] = {}

    def create(self, backend: str) -> str:
        template = self._templates.get(backend)
        if template is None:
            template = self._templates[backend] = self._migrated(backend)
        if backend == "sqlite":
            path = self.tmp_dir / f"tthc-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(make_url(template).database or "", path)
            return f"sqlite:///{path}"
        name = self._new_postgres_name()
        self._create_postgres(name, template=make_url(template).database)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def _migrated(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / f'template-{uuid.uuid4().hex[:8]}.db'}"
        else:
            name = self._new_postgres_name()
            self._create_postgres(name)
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)  # its engine is disposed: nobody is connected
        if backend == "sqlite":
            # a copy of the file alone must hold everything: nothing left in a WAL beside it
            with closing(sqlite3.connect(make_url(url).database or "")) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return url

    def _new_postgres_name(self) -> str:
        name = f"tthc_test_{uuid.uuid4().hex[:12]}"
        self._postgres_names.append(name)
        return name

    @staticmethod
    def _create_postgres(name: str, template: str | None = None) -> None:
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            for attempt in range(50):
                try:
                    with admin.connect() as conn:
                        conn.execute(text(statement))
                    return
                except OperationalError as exc:
                    # a backend of the template's last user may not have exited yet
                    if "being accessed by other users" not in str(exc) or attempt == 49:
                        raise
                    time.sleep(0.1)
        finally:
            admin.dispose()

    def drop_all(self) -> None:
        if not self._postgres_names:
            return
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self._postgres_names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_url(backend: str, database_factory: DatabaseFactory) -> str:
    """A migrated database shared by the session; tests isolate through `db_session`."""
    return database_factory.create(backend)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits only release savepoints; everything is rolled back afterwards."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def fresh_database_url(backend: str, database_factory: DatabaseFactory) -> str:
    """An empty migrated database of its own, for tests that need real commits (CLI, jobs)."""
    return database_factory.create(backend)


TEST_WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef"


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        webhook_secret=TEST_WEBHOOK_SECRET,
        secret_key="t" * 40,
        log_json=False,
        # the app below writes through the test's one rolled-back session: no background
        # processor can share it. The queued path's tests have databases of their own
        # (tests/ingest/test_push_queue*.py).
        push_processing="inline",
    )


@pytest.fixture
def app(app_settings: Settings, engine: Engine, db_session: Session) -> FastAPI:
    """The application bound to the test's rolled-back session."""
    application = create_app(app_settings, engine)

    def _session() -> Iterator[Session]:
        # What the test arranged counts as committed before the request, as it would be in
        # production; a failing request then rolls back only its own work.
        db_session.commit()
        try:
            yield db_session
            db_session.commit()
        except BaseException:
            db_session.rollback()
            raise

    application.dependency_overrides[get_session] = _session
    application.state.write_scope = contextmanager(_session)  # the push routes' (in_one_write)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cli_database(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI (settings, engine cache) at a fresh database of its own."""
    from app.core.config import get_settings
    from app.db.session import get_engine

    monkeypatch.setenv("TTHC_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("TTHC_ENVIRONMENT", "test")
    monkeypatch.setenv("TTHC_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield fresh_database_url
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def auth_headers(db_session: Session) -> Callable[..., dict[str, str]]:
    """`auth_headers("supervisor", agency="CODE")` -> headers with a fresh bearer token."""
    from app.auth.service import create_token

    def make(role: str = "admin", agency: str | None = None) -> dict[str, str]:
        created = create_token(
            db_session, name=f"test {role}", role=role, agency=agency, now=datetime.now(UTC)
        )
        return {"Authorization": f"Bearer {created.secret}"}

    return make
