"""Group commit (app/ingest/group_commit.py): push deliveries written together answer each
request exactly as alone; a refusal, a replayed copy or a database error touches only its own
delivery."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.logging import request_id_var
from app.ingest import dvcqg, group_commit
from app.ingest.group_commit import GroupWriter, Prepare, apply_group
from app.ingest.webhook import Plan, WebhookReplayed, WebhookUnauthorized, plan_delivery
from app.models import Dossier, DossierEvent, QuarantineEntry, RawRecord, Sender
from app.senders import repository as sender_repository
from app.senders import service as senders
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.factories import make_agency
from tests.ingest.driver_notes import note_driver
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.test_webhook import body_of, headers

A, B = "H21.65-250908-0001", "H21.65-250908-0002"
Scope = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def scope(app: FastAPI) -> Scope:
    """The push routes' unit of work, bound to the test's rolled-back session."""
    unit: Scope = app.state.write_scope
    return unit


def signed(data: list[Any], service: str = "DongBoHoSoMC", secret: str = TEST_WEBHOOK_SECRET
           ) -> Prepare:
    body = body_of(data, service)
    signature = headers(body, secret=secret)["X-TTHC-Signature"]

    def prepare(_session: Session, now: datetime) -> Plan:
        return plan_delivery(body, signature, secret=TEST_WEBHOOK_SECRET, max_age_seconds=300,
                             now=now)

    return prepare


def opencps(token: str, data: list[Any], service: str = "DongBoHoSoMC") -> Prepare:
    body = json.dumps({"session": token, "madonvi": "H21.65", "service": service,
                       "isUpdating": "False", "data": data}, ensure_ascii=False).encode()
    policy = dvcqg.SessionPolicy(timedelta(days=90), 5)
    return lambda session, now: dvcqg.plan_api_request(session, body, now, policy)


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def token(db_session: Session) -> str:
    make_agency(db_session, "H21.65", "UBND huyện Đông Hưng")
    made = senders.add_sender(db_session, "opencps-h21", "H21.65", utcnow())
    found = senders.login(db_session, made.username, made.password, utcnow(), keep=5,
                          lifetime=timedelta(days=90))
    assert found is not None
    db_session.commit()
    return found


def test_a_group_answers_each_delivery_as_alone(
    scope: Scope, db_session: Session, token: str
) -> None:
    refused = {"MaHoSo": "H21.65-250908-0003", "TrangThaiHoSo": "4"}  # no MaTTHC
    outcomes = apply_group(scope, [
        signed([dossier(A)]),
        signed([dossier(B), refused]),
        # the step of a dossier in the same group: dossiers are applied before steps
        signed([step(A, stamp(10, 9), 5, "Chuyển phê duyệt")], "CapNhatTienDoHoSoMC"),
        opencps(token, [dossier("H21.65-250908-0004")]),
    ])
    replies = [o for o in outcomes if isinstance(o, dict)]
    assert len(replies) == 4, outcomes
    assert [(r["error_code"], r["stored"], r["quarantined"]) for r in replies] == [
        (0, 1, 0), (422, 1, 1), (0, 1, 0), (0, 1, 0)]
    # a refusal is numbered within its own delivery
    assert replies[1]["refused"] == [{"position": 2, "MaHoSo": "H21.65-250908-0003",
                                      "field": "MaTTHC", "reason": "required field is missing"}]
    assert count(db_session, Dossier) == 3 and count(db_session, DossierEvent) == 7
    sources = dict(db_session.execute(select(RawRecord.dossier_code, RawRecord.source)).all())
    assert sources[A] == "webhook" and sources["H21.65-250908-0004"] == "dvcqg"
    entry = db_session.scalars(select(QuarantineEntry)).one()
    assert (entry.source, entry.dossier_code) == ("webhook", "H21.65-250908-0003")
    sender = db_session.scalars(select(Sender)).one()
    assert sender.last_delivery_at is not None


def test_a_refused_delivery_leaves_the_others_of_its_group_stored(
    scope: Scope, db_session: Session, token: str
) -> None:
    outcomes = apply_group(scope, [
        signed([dossier(A)]),
        signed([dossier(B)], secret="someone-else-" + "x" * 30),
        opencps("not-a-session", [dossier("H21.65-250908-0004")]),
        opencps(token, [dossier("H21.65-250908-0005")]),
    ])
    assert isinstance(outcomes[1], WebhookUnauthorized)
    assert isinstance(outcomes[2], dvcqg.SenderUnauthorized)
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[3], dict)
    codes = set(db_session.scalars(select(Dossier.code)))
    assert codes == {A, "H21.65-250908-0005"}
    assert count(db_session, RawRecord) == 2  # the refused deliveries left no trace


def test_a_replayed_copy_in_a_group_is_refused_and_the_others_stored(
    scope: Scope, db_session: Session
) -> None:
    first = signed([dossier(A)])
    assert isinstance(apply_group(scope, [first])[0], dict)
    outcomes = apply_group(scope, [first, signed([dossier(B)])])
    assert isinstance(outcomes[0], WebhookReplayed)
    assert isinstance(outcomes[1], dict) and outcomes[1]["stored"] == 1
    # the copy's writes were taken back: its payload counted once
    times = db_session.scalar(select(RawRecord.times_received)
                              .where(RawRecord.dossier_code == A))
    assert times == 1 and count(db_session, Dossier) == 2


def test_a_database_error_in_a_group_applies_its_deliveries_one_by_one(
    scope: Scope, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> Any:
        raise OperationalError("INSERT ...", {}, Exception("connection lost"))

    monkeypatch.setattr(group_commit, "ingest_deliveries", broken)
    outcomes = apply_group(scope, [signed([dossier(A)]), signed([dossier(B)])])
    assert [isinstance(o, dict) and o["stored"] for o in outcomes] == [1, 1]
    assert count(db_session, Dossier) == 2


def test_concurrent_deliveries_are_written_together_each_answered_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    groups: list[int] = []

    def fake_apply(_scope: Any, prepares: list[Prepare], *_tokens: Any) -> list[Any]:
        groups.append(len(prepares))
        return [p(None, utcnow()) for p in prepares]  # type: ignore[arg-type]

    def prepare(n: int) -> Prepare:
        def run(_session: Session, _now: datetime) -> dict[str, Any]:
            if n == 3:
                raise ValueError("only this one fails")
            return {"n": n}
        return run

    def wrapped(p: Prepare) -> Prepare:
        def run(session: Session, now: datetime) -> Any:
            try:
                return p(session, now)
            except ValueError as exc:
                return exc
        return run

    monkeypatch.setattr(group_commit, "apply_group", fake_apply)

    async def main() -> list[Any]:
        writer = GroupWriter(lambda: None)  # type: ignore[arg-type, return-value]
        return await asyncio.gather(*(writer.deliver(wrapped(prepare(n))) for n in range(5)),
                                    return_exceptions=True)

    replies = asyncio.run(main())
    assert groups == [5]
    assert replies[:3] == [{"n": 0}, {"n": 1}, {"n": 2}] and replies[4] == {"n": 4}
    assert isinstance(replies[3], ValueError)


def test_a_copy_in_the_same_group_is_refused_as_alone(scope: Scope, db_session: Session) -> None:
    """A signed delivery and its exact copy in one group: the second is refused as replayed,
    just as it is when it arrives alone after the first."""
    first = signed([dossier(A)])
    outcomes = apply_group(scope, [first, first])
    assert isinstance(outcomes[0], dict) and outcomes[0]["stored"] == 1
    assert isinstance(outcomes[1], WebhookReplayed)
    times = db_session.scalar(select(RawRecord.times_received)
                              .where(RawRecord.dossier_code == A))
    assert times == 1 and count(db_session, Dossier) == 1


def test_the_writer_does_not_carry_the_first_requests_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer outlives the request that started it: its logs name no request."""
    seen: list[str | None] = []

    def fake_apply(_scope: Any, prepares: list[Prepare], *_tokens: Any) -> list[Any]:
        seen.append(request_id_var.get())
        return [{} for _ in prepares]

    monkeypatch.setattr(group_commit, "apply_group", fake_apply)

    async def main() -> None:
        request_id_var.set("first-request")
        writer = GroupWriter(lambda: None)  # type: ignore[arg-type, return-value]
        await writer.deliver(lambda _session, _now: {})

    asyncio.run(main())
    assert seen == [None]


def test_the_writer_waits_for_the_senders_it_answered_and_those_that_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight senders whose last group held four, while four more waited, are expected back
    together: the writer gathers eight, not four (two alternating groups of four pay twice
    the statements per delivery)."""
    async def scenario() -> int:
        # the senders decide, not time
        writer = GroupWriter(lambda: None, gather_seconds=5.0)  # type: ignore[arg-type, return-value]
        writer.answered, writer.waited = 4, 4
        loop = asyncio.get_running_loop()

        def arrive() -> None:
            writer.waiting.append(group_commit._Waiting(lambda s, n: {}, loop.create_future()))

        for _ in range(4):
            arrive()
        for index in range(4):  # the answered senders come back one by one
            loop.call_later(0.01 * (index + 1), arrive)
        await writer._gather()
        return len(writer.waiting)

    assert asyncio.run(scenario()) == 8


def test_a_lone_sender_is_not_kept_waiting() -> None:
    async def scenario() -> float:
        writer = GroupWriter(lambda: None, gather_seconds=5.0)  # type: ignore[arg-type, return-value]
        writer.answered, writer.waited = 1, 0
        loop = asyncio.get_running_loop()
        writer.waiting.append(group_commit._Waiting(lambda s, n: {}, loop.create_future()))
        began = loop.time()
        await writer._gather()
        return loop.time() - began

    assert asyncio.run(scenario()) < 1.0  # far below the 5 s it would wait for a second one


def test_a_groups_sessions_are_looked_up_in_one_query_refusals_as_alone(
    scope: Scope, db_session: Session, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = senders.add_sender(db_session, "opencps-h21-b", "H21.65", utcnow())
    other = senders.login(db_session, made.username, made.password, utcnow(), keep=5,
                          lifetime=timedelta(days=90))
    assert other is not None
    db_session.commit()
    asked: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM sender_session" in statement:
            asked.append(statement)

    deliveries = [(token, "H21.65-250908-0011"), (other, "H21.65-250908-0012"),
                  (token, "H21.65-250908-0013")]
    driven: list[str] = []  # PostgreSQL's look-up runs on the driver (app/db/pg_driver.py)
    note_driver(monkeypatch, sender_repository, driven)
    event.listen(Engine, "before_cursor_execute", note)
    try:
        outcomes = apply_group(scope, [opencps(t, [dossier(code)]) for t, code in deliveries],
                               [t for t, _ in deliveries])
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert [isinstance(o, dict) and o["stored"] for o in outcomes] == [1, 1, 1]
    assert len(asked + [s for s in driven if "FROM sender_session" in s]) == 1  # not per delivery

    # a refused session among them: refused as alone, the others stored, after the rollback
    # the sessions are asked again (the first answers belonged to the rolled-back transaction)
    deliveries = [(token, "H21.65-250908-0014"), ("not-a-session", "H21.65-250908-0015"),
                  (other, "H21.65-250908-0016")]
    outcomes = apply_group(scope, [opencps(t, [dossier(code)]) for t, code in deliveries],
                           [t for t, _ in deliveries])
    assert isinstance(outcomes[1], dvcqg.SenderUnauthorized)
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[2], dict)
    codes = set(db_session.scalars(select(Dossier.code)))
    assert {"H21.65-250908-0014", "H21.65-250908-0016"} <= codes
    assert "H21.65-250908-0015" not in codes


def test_a_session_token_is_read_from_the_body_without_refusing() -> None:
    assert dvcqg.session_token(b'{"session": " abc ", "service": "DongBoHoSoMC"}') == "abc"
    assert dvcqg.session_token(b"not json") == ""
    assert dvcqg.session_token(b'["a list"]') == ""
