"""Helpers of the push queue's tests (app/ingest/push_queue.py): apps on a database of their
own in either processing mode, and the stored rows in a form two databases can be compared in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.session import make_engine
from app.main import create_app
from app.senders.service import Credentials, add_sender
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.factories import make_agency, make_procedure
from tests.ingest.payloads import NOW
from tests.ingest.senders.scenarios import AGENCY, AGENCY_NAME, IN_CATALOGUE

#: the tables whose rows must not depend on the processing mode (dossiers and all they hold,
#: quarantine, the rate rollup, raw payloads, the receptions)
COMPARED = ("dossier", "dossier_event", "dossier_applicant", "dossier_anomaly",
            "dossier_step_state", "dossier_transition", "quarantine", "rate_rollup",
            "raw_record", "procedure", "agency")
_KEYS = {"dossier_id": ("dossier", "code"), "raw_record_id": ("raw_record", "content_hash"),
         "agency_id": ("agency", "code"), "procedure_id": ("procedure", "code")}
_MINUTE = re.compile(r"\|\d{4}-\d\d-\d\d \d\d:\d\d$")


@pytest.fixture(autouse=True)
def postgresql_only(backend: str) -> None:
    """Autouse where imported: the push queue's tests run on PostgreSQL only."""
    if backend != "postgresql":
        pytest.skip("SQLite processes every push delivery inline (app/core/config.py)")


def prepare(url: str) -> Credentials:
    """The agency and catalogue the scenarios name, and a registered sender."""
    engine = make_engine(url)
    with Session(engine) as session:
        make_agency(session, AGENCY, AGENCY_NAME)
        make_procedure(session, IN_CATALOGUE, "5", "working_days", field_code="G15")
        credentials = add_sender(session, "sender", AGENCY, NOW)
        session.commit()
    engine.dispose()
    return credentials


def app_for(url: str, mode: str, *, held: bool = False, **settings_: Any) -> FastAPI:
    """The application on ``url``; ``held``: its processor processes only when an inline
    group or a lookup drains the queue, or at shutdown (every queued delivery waits)."""
    settings = Settings(environment="test", database_url=url, webhook_secret=TEST_WEBHOOK_SECRET,
                        secret_key="t" * 40, log_json=False, push_processing=mode,
                        push_queue_poll_seconds=3600 if held else 0.05, **settings_)
    app = create_app(settings)
    if held:
        app.state.push_queue.wake = lambda: None
    return app


@contextmanager
def client_for(url: str, mode: str, *, held: bool = False, **settings: Any
               ) -> Iterator[TestClient]:
    with TestClient(app_for(url, mode, held=held, **settings)) as client:
        yield client


def queued(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM push_queue")).scalar_one())


def _plain(value: Any, start: datetime, end: datetime) -> Any:
    if isinstance(value, datetime) and start <= value <= end:
        return "NOW"  # the instant of processing differs between two runs
    return value


def stored(url: str, start: datetime, end: datetime) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared table's rows without ids (foreign ids as their row's natural key),
    instants of the run as "NOW", sorted; the receptions summed per source and sender."""
    engine = make_engine(url)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        keys = {column: dict(conn.execute(text(f"SELECT id, {key} FROM {table}")).all())
                for column, (table, key) in _KEYS.items()}
        for table in COMPARED:
            result = conn.execute(text(f"SELECT * FROM {table}"))
            names = list(result.keys())
            rows = []
            for row in result:
                rows.append(tuple(
                    (name, keys[name].get(value) if name in keys else _plain(value, start, end))
                    for name, value in zip(names, row, strict=True) if name != "id"))
            found[table] = sorted(rows, key=repr)
        runs: dict[tuple[Any, ...], list[int]] = {}
        for row in conn.execute(text(
                "SELECT source, summary_key, detail, agency_code, sender_id, status, stored, "
                "updated, unchanged, quarantined, pages FROM ingest_run")):
            key = (row[0], _MINUTE.sub("", row[1] or ""), *row[2:6])
            sums = runs.setdefault(key, [0] * 5)
            runs[key] = [a + b for a, b in zip(sums, row[6:], strict=True)]
        found["ingest_run"] = sorted(((*k, *v) for k, v in runs.items()), key=repr)
    engine.dispose()
    return found
