"""Contract: the real senders' deliveries (tests/ingest/senders, as test_sender_contracts.py
posts them) leave the same stored state when the receiver writes them one at a time and when
it writes them in groups (app/ingest/group_commit.py): dossiers, events, anomalies, quarantine
and every reply, on fresh databases, the groups never falling back to one by one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.db.session import make_engine, make_session_factory, session_scope
from app.ingest import dvcqg, group_commit
from app.ingest.group_commit import Outcome, Prepare, apply_group
from app.models import Dossier, DossierAnomaly, DossierEvent, QuarantineEntry
from app.senders.service import Credentials, add_sender
from tests.factories import make_agency, make_procedure
from tests.ingest.senders import enrolment, opencps, td_dichvucong
from tests.ingest.senders.scenarios import AGENCY, AGENCY_NAME, IN_CATALOGUE, SCENARIOS

Scope = Callable[[], AbstractContextManager[Session]]
POLICY = dvcqg.SessionPolicy(timedelta(days=90), 5)
GROUP = group_commit.MAX_GROUP
#: Columns set from the instant of writing, not from what was sent.
WRITTEN_AT = {"id", "procedure_id", "agency_id", "raw_record_id", "created_at", "updated_at",
              "classified_as_of", "snapshot_at", "recorded_at", "first_seen_at",
              "last_seen_at", "resolved_at", "dossier_id"}


def _body(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def opencps_deliveries(scope: Scope, creds: Credentials) -> list[Prepare]:
    """DongBoHoSoMC then CapNhatTienDoHoSoMC per change, in the session envelope (the
    lookups before each change are answered from the database, not written: left out)."""
    with scope() as session:
        token = dvcqg.login(session, _body({"username": creds.username,
                                            "password": creds.password}), utcnow(), POLICY)
    bodies = []
    for local in SCENARIOS:
        for index in range(len(local.steps)):
            bodies.append(_body(opencps.envelope(
                token["session"], "DongBoHoSoMC", isUpdating="True" if index else "False",
                data=[opencps.dossier(local, index, ("", "", ""))])))
            bodies.append(_body(opencps.envelope(token["session"], "CapNhatTienDoHoSoMC",
                                                 data=[opencps.step(local, index)])))
    return [_api(body) for body in bodies]


def _api(body: bytes) -> Prepare:
    return lambda session, now: dvcqg.plan_api_request(session, body, now, POLICY)


def _keyed(creds: Credentials, service: str, body: bytes, query: dict[str, str | None]
           ) -> Prepare:
    return lambda session, now: dvcqg.plan_keyed_delivery(
        session, creds.url_key, service, body, now, query)


def td_deliveries(_scope: Scope, creds: Credentials) -> list[Prepare]:
    """The keyed route: each dossier alone, its progress in lists of at most ten."""
    prepares = []
    for local in SCENARIOS:
        for record, chunks in td_dichvucong.pushes(local):
            prepares.append(_keyed(creds, "DongBoHoSoMC", _body([record]), {}))
            prepares += [_keyed(creds, "CapNhatTienDoHoSoMC", _body(chunk), {})
                         for chunk in chunks]
    return prepares


def enrolment_deliveries(_scope: Scope, creds: Credentials) -> list[Prepare]:
    """The enrolment list, one dossier a delivery (the sender sends them all in one: a group of
    one would not be a group)."""
    query: dict[str, str | None] = {"MaDinhDanhDV": AGENCY, "isUpdating": "True"}
    return [_keyed(creds, "DongBoHoSoMC", _body([enrolment.dossier(local)]), query)
            for local in SCENARIOS]


DELIVERIES = {"opencps": opencps_deliveries, "td": td_deliveries,
              "enrolment": enrolment_deliveries}


@contextmanager
def fresh_scope(url: str) -> Iterator[tuple[Scope, Credentials]]:
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def scope() -> AbstractContextManager[Session]:
        return session_scope(factory)

    with scope() as session:
        make_agency(session, AGENCY, AGENCY_NAME)
        make_procedure(session, IN_CATALOGUE, "5", "working_days", field_code="G15")
        session.flush()
        creds = add_sender(session, "sender", AGENCY, utcnow())
    try:
        yield scope, creds
    finally:
        engine.dispose()


def _row(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in row.__table__.columns if c.name not in WRITTEN_AT}


def stored(scope: Scope) -> dict[str, Any]:
    with scope() as session:
        codes = dict(session.execute(select(Dossier.id, Dossier.code)).all())
        return {
            "dossiers": sorted((_row(d) for d in session.scalars(select(Dossier))),
                               key=lambda r: r["code"]),
            "events": sorted((codes[e.dossier_id], sorted(_row(e).items(), key=str))
                             for e in session.scalars(select(DossierEvent))),
            "anomalies": sorted((codes[a.dossier_id], sorted(_row(a).items(), key=str))
                                for a in session.scalars(select(DossierAnomaly))),
            "quarantine": sorted(sorted(_row(q).items(), key=str)
                                 for q in session.scalars(select(QuarantineEntry))),
        }


_RUN_ID = re.compile(r"\(mã lần nhận \d+\)")


def answered(outcomes: list[Outcome]) -> list[Any]:
    """The replies without the ids of their rows of the minute ("mã lần nhận"): a group adds
    the rows it counts in in key order, not in its deliveries' order."""
    return [type(o).__name__ if isinstance(o, BaseException)
            else {k: _RUN_ID.sub("(mã lần nhận …)", v) if isinstance(v, str) else v
                  for k, v in o.items() if k != "run_id"} for o in outcomes]


def groups(prepares: list[Prepare]) -> list[list[Prepare]]:
    """Groups of `MAX_GROUP`, none of one (a group of one is written alone)."""
    cut = [prepares[i: i + GROUP] for i in range(0, len(prepares), GROUP)]
    if len(cut) > 1 and len(cut[-1]) == 1:
        cut[-2:] = [cut[-2] + cut[-1]]
    return cut


def _no_fallback(_scope: Scope, _prepare: Prepare) -> Outcome:
    raise AssertionError("a group fell back to one delivery at a time")


def both_ways(database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch,
              sender: str) -> tuple[tuple[list[Any], dict[str, Any]], ...]:
    """(replies, stored state) one delivery at a time, then in groups, each on a fresh
    database."""
    results = []
    for grouped in (False, True):
        with fresh_scope(database_factory.create(backend)) as (scope, creds):
            prepares = DELIVERIES[sender](scope, creds)
            if grouped:
                assert len(prepares) > 1
                monkeypatch.setattr(group_commit, "alone", _no_fallback)
                outcomes = [o for group in groups(prepares) for o in apply_group(scope, group)]
            else:
                outcomes = [group_commit.alone(scope, prepare) for prepare in prepares]
            results.append((answered(outcomes), stored(scope)))
    assert len(results[0][1]["dossiers"]) == len(SCENARIOS)
    return tuple(results)


@pytest.mark.parametrize("sender", list(DELIVERIES))
def test_grouped_deliveries_leave_what_single_ones_leave(
    database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch, sender: str
) -> None:
    (alone_replies, alone), (group_replies, grouped) = both_ways(
        database_factory, backend, monkeypatch, sender)
    assert group_replies == alone_replies
    for part in alone:
        assert grouped[part] == alone[part], part
