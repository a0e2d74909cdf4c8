"""A push delivery finds its sender and the sender's agency in one statement: the agency's
code (the records' default DonViXuLy) comes from the identity map the look-up filled, not from
a second round trip per delivery (app/senders/repository.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.db.session import make_engine
from app.ingest import dvcqg
from app.ingest.webhook import Plan
from app.senders import repository
from app.senders import service as senders
from tests.factories import make_agency
from tests.ingest.driver_notes import note_driver
from tests.ingest.payloads import dossier

AGENCY = "H21.65"


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    made = make_engine(fresh_database_url)
    yield made
    made.dispose()


def _statements(engine: Engine, work: Any, monkeypatch: pytest.MonkeyPatch
                ) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's own BEGIN
            seen.append(statement)

    note_driver(monkeypatch, repository, seen)
    with Session(engine) as session:  # a request's own session: nothing loaded before
        event.listen(engine, "before_cursor_execute", note)
        try:
            got = work(session)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        session.rollback()
    return got, seen


def test_a_delivery_reads_its_sender_and_agency_in_one_statement(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    with Session(engine) as session:
        make_agency(session, AGENCY, "UBND huyện Đông Hưng")
        made = senders.add_sender(session, "opencps-h21", AGENCY, now)
        token = senders.login(session, made.username, made.password, now, keep=5,
                              lifetime=timedelta(days=90))
        session.commit()
    assert token is not None
    body = json.dumps({"session": token, "service": "DongBoHoSoMC", "isUpdating": "False",
                       "data": [dossier("H21.65-250908-0001")]}).encode()
    bare = json.dumps([{k: v for k, v in dossier("H21.65-250908-0002").items()
                        if k != "DonViXuLy"}]).encode()
    policy = dvcqg.SessionPolicy(timedelta(days=90), 5)
    plans = [
        lambda s: dvcqg.plan_api_request(s, body, now, policy),
        lambda s: dvcqg.plan_keyed_delivery(s, made.url_key, "DongBoHoSoMC", bare, now, {}),
    ]
    for plan_of in plans:
        plan, seen = _statements(engine, plan_of, monkeypatch)
        assert isinstance(plan, Plan)
        assert [r.agency_code for r in plan.delivered.records] == [AGENCY]
        assert len(seen) == 1, seen
