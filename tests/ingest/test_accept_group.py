"""Push deliveries accepted together (app/ingest/accept_group.py), on PostgreSQL: each gets the
reply it gets alone, the queue is processed into the same rows, and a group that cannot be
accepted as a whole (a replayed signed copy) is taken back and accepted one by one."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import AppError
from app.ingest import accept_group, group_commit, push_queue, queue_repository
from app.ingest.accept_group import Outcome, accept_many
from app.ingest.dvcqg import SenderUnauthorized
from app.ingest.group_commit import Prepare
from app.ingest.queue_processor import QueueProcessor
from app.ingest.receptions import minute_key
from app.ingest.webhook import WebhookReplayed, plan_delivery
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.ingest.driver_notes import note_driver
from tests.ingest.payloads import dossier, stamp, step
from tests.ingest.push_queue_support import (
    client_for,
    postgresql_only,  # noqa: F401  (autouse)
)
from tests.ingest.push_queue_support import prepare as prepare_database
from tests.ingest.push_queue_support import stored as stored_rows
from tests.ingest.test_sender_contracts_grouped import (
    DELIVERIES,
    _keyed,
    answered,
    fresh_scope,
    groups,
    stored,
)
from tests.ingest.test_webhook import body_of, headers

Scope = Callable[[], AbstractContextManager[Session]]
WEBHOOK = "/api/v1/webhooks/dvc"


def _processor(scope: Scope) -> QueueProcessor:
    queue = QueueProcessor(scope)
    queue.wake = lambda: None  # type: ignore[method-assign]  # drained by the test
    return queue


def _signed(data: list[Any], service: str = "DongBoHoSoMC") -> Prepare:
    body = body_of(data, service)
    signature = headers(body)["X-TTHC-Signature"]
    return lambda _session, now: plan_delivery(body, signature, secret=TEST_WEBHOOK_SECRET,
                                               max_age_seconds=300, now=now)


def _snapshot(code: str) -> list[Any]:
    return [dossier(code, status=2, steps=[step(code, stamp(10, 8), 2)])]


def _count_commits(scope: Scope) -> list[int]:
    with scope() as session:
        engine = session.get_bind().engine  # type: ignore[union-attr]
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    return commits


def _queued(scope: Scope) -> list[Any]:
    """(dossier codes, row of the minute) of each queued delivery."""
    with scope() as session:
        return list(session.execute(text(
            "SELECT dossier_codes, run_id FROM push_queue ORDER BY id")))


def _pages_once_processed(scope: Scope, queued: list[Any]) -> list[int]:
    """The pages of each ``queued`` delivery's row of the minute once the queue is processed
    (the processor counts them)."""
    push_queue.drain(scope)
    with scope() as session:
        pages = dict(session.execute(text("SELECT id, pages FROM ingest_run")).all())
    return [pages[run_id] for _codes, run_id in queued]


def _accepted(outcomes: Sequence[Outcome]) -> list[bool]:
    """Which outcomes are a queued delivery's reply."""
    return [isinstance(o, dict) and o["error_code"] == 0 and o.get("queued", 0) >= 1
            for o in outcomes]


def _inline_where_not_queued(queue: QueueProcessor, scope: Scope, prepares: Sequence[Prepare],
                             outcomes: Sequence[Outcome]) -> list[Outcome]:
    """As the route does (app/ingest/group_commit.py: deliver): a delivery not queued is
    written inline, after the queue ahead of it."""
    served = []
    for prepare, outcome in zip(prepares, outcomes, strict=True):
        if outcome is None:
            queue.drain_ahead()
            outcome = group_commit.alone(scope, prepare)
        served.append(outcome)
    return served


@pytest.mark.parametrize("sender", list(DELIVERIES))
def test_accepted_in_groups_leave_what_accepted_alone_leave(
    database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch, sender: str
) -> None:
    results = []
    for grouped in (False, True):
        with fresh_scope(database_factory.create(backend)) as (scope, creds):
            queue = _processor(scope)
            prepares = DELIVERIES[sender](scope, creds)
            outcomes: list[Outcome] = []
            if grouped:
                def no_fallback(_queue: QueueProcessor, _prepare: Prepare) -> Outcome:
                    raise AssertionError("a group fell back to one delivery at a time")
                monkeypatch.setattr(accept_group, "_alone", no_fallback)
                for group in groups(prepares):
                    outcomes += _inline_where_not_queued(
                        queue, scope, group, accept_many(queue, group, [""] * len(group)))
            else:
                for prepare in prepares:
                    outcomes += _inline_where_not_queued(queue, scope, [prepare],
                                                         [queue.accept(prepare)])
            assert sum(_accepted(outcomes)) > len(outcomes) // 2
            push_queue.drain(scope)
            results.append((answered(outcomes), stored(scope)))  # type: ignore[arg-type]
    (alone_replies, alone), (group_replies, together) = results
    assert group_replies == alone_replies
    for part in alone:
        assert together[part] == alone[part], part


def test_a_group_is_one_transaction_and_each_delivery_gets_its_own_reply(
    database_factory: Any, backend: str
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        codes = [f"H21.65-250910-{n:04d}" for n in range(1, 5)]
        prepares = [_keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(c)).encode(), {})
                    for c in codes[:2]] + [_signed(_snapshot(c)) for c in codes[2:]]
        commits = _count_commits(scope)
        outcomes = accept_many(queue, prepares, [""] * 4)
        assert len(commits) == 1
        assert _accepted(outcomes) == [True] * 4
        # the keyed sender's two deliveries share its row of the minute, as alone
        rows = _queued(scope)
        assert [r[0] for r in rows] == [[c] for c in codes]
        assert _pages_once_processed(scope, rows)[:2] == [2, 2]


def test_a_groups_rows_of_the_minute_are_named_once_per_delivery(
    database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        codes = [f"H21.65-250910-{n:04d}" for n in range(1, 4)]
        prepares = [_keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(c)).encode(), {})
                    for c in codes[:2]] + [_signed(_snapshot(codes[2]))]
        named: list[str] = []

        def naming(*args: Any) -> str:
            named.append(minute_key(*args))
            return named[-1]

        def not_again(*_args: Any) -> str:
            raise AssertionError("the accept named its row of the minute again")

        monkeypatch.setattr(accept_group, "minute_key", naming)
        monkeypatch.setattr(push_queue, "minute_key", not_again)
        assert _accepted(accept_many(queue, prepares, [""] * 3)) == [True] * 3
        assert len(named) == 3 and len(set(named)) == 2
        assert _pages_once_processed(scope, _queued(scope)) == [2, 2, 1]


def test_a_refused_delivery_is_refused_and_the_others_of_its_group_accepted(
    database_factory: Any, backend: str
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        code, other = "H21.65-250910-0001", "H21.65-250910-0002"
        good = _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(code)).encode(), {})

        def stranger(session: Session, now: Any) -> Any:
            raise SenderUnauthorized("Đường dẫn nhận dữ liệu không hợp lệ hoặc đã bị thu hồi")

        orphan = _signed([step("H21.65-250910-0404", stamp(10, 9), 4)], "CapNhatTienDoHoSoMC")
        outcomes = accept_many(queue, [good, stranger, orphan, _signed(_snapshot(other))],
                               [""] * 4)
        assert isinstance(outcomes[1], SenderUnauthorized)
        assert outcomes[2] is None  # a step of an unknown dossier: the inline path answers
        assert _accepted([outcomes[0], outcomes[3]]) == [True, True]
        assert [r[0] for r in _queued(scope)] == [[code], [other]]


def test_a_replayed_copy_takes_the_group_back_and_each_is_accepted_alone(
    database_factory: Any, backend: str
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        first = _signed(_snapshot("H21.65-250910-0001"))
        assert _accepted([queue.accept(first)]) == [True]
        codes = ["H21.65-250910-0002", "H21.65-250910-0003"]
        prepares = [_keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(codes[0])).encode(),
                           {}), first, _signed(_snapshot(codes[1]))]
        outcomes = accept_many(queue, prepares, [""] * 3)
        assert isinstance(outcomes[1], WebhookReplayed)
        assert _accepted([outcomes[0], outcomes[2]]) == [True, True]
        # nothing of the group's first attempt is left: one queue row, one page, one
        # reception per delivery
        assert [r[0] for r in _queued(scope)] == [["H21.65-250910-0001"], *([c] for c in codes)]
        push_queue.drain(scope)
        with scope() as session:
            pages = session.execute(text("SELECT sum(pages) FROM ingest_run")).scalar_one()
            received = session.execute(text(
                "SELECT sum(times_received) FROM raw_record")).scalar_one()
        assert (pages, received) == (3, 3)


def test_a_group_adds_its_new_rows_of_the_minute_first_and_sends_its_accepts_in_one_pipeline(
    database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two groups inserting the same new rows of the minute in opposite orders would wait for
    each other: a group adds its rows first, in key order (test_accept_group_minute_rows.py).
    With one registered sender nothing is locked. The statements go in one pipeline, their
    results read once all have run."""
    url = database_factory.create(backend)
    with fresh_scope(url) as (scope, creds):
        queue = _processor(scope)
        one = _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot("H21.65-250910-0001")).encode(),
                     {})
        assert _accepted([queue.accept(one)]) == [True]
        sent: list[str] = []
        note_driver(monkeypatch, queue_repository, sent, lambda statement: (
            "generic plans" if "plan_cache_mode" in statement else
            "add rows" if "ORDER BY v.key" in statement else
            "lock" if "FOR UPDATE" in statement else
            "accept" if "push_queue" in statement else statement))
        # two rows of the minute: the signed webhook's and the keyed sender's
        outcomes = accept_many(queue, [
            _signed(_snapshot("H21.65-250910-0002")),
            _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot("H21.65-250910-0003")).encode(),
                   {})], ["", ""])
        assert _accepted(outcomes) == [True, True]
        assert sent == ["pipeline", "generic plans", "add rows", "accept", "accept", "synced"]


def test_refusals_of_a_group_are_the_refusals_alone(database_factory: Any, backend: str
                                                    ) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        queue = _processor(scope)

        def refused(_session: Session, _now: Any) -> Any:
            raise AppError("refused")

        outcomes = accept_many(queue, [refused, refused], ["", ""])
        assert [type(o) for o in outcomes] == [AppError, AppError]
        assert _queued(scope) == []


def _send_four(client: TestClient, number: int) -> list[Any]:
    """Sender ``number``'s deliveries: four dossiers' snapshots, then their next steps."""
    codes = [f"H21.65-2509{10 + number:02d}-{n:04d}" for n in range(1, 5)]
    bodies = [body_of(_snapshot(code)) for code in codes] + [
        body_of([step(code, stamp(10, 9), 4)], "CapNhatTienDoHoSoMC") for code in codes]
    return [client.post(WEBHOOK, content=body, headers=headers(body)).json() for body in bodies]


def _concurrent_senders(url: str, senders: int, monkeypatch: pytest.MonkeyPatch, lane: bool
                        ) -> tuple[list[Any], list[int]]:
    """``senders`` threads sending at once over one app (one event loop), its fast lane on or
    off: the replies, and the size of every accept group."""
    sizes: list[int] = []
    original = accept_group.accept_many

    def counting(queue: QueueProcessor, prepares: Sequence[Prepare],
                 tokens: Sequence[str]) -> list[Outcome]:
        sizes.append(len(prepares))
        return original(queue, prepares, tokens)

    monkeypatch.setattr(accept_group, "accept_many", counting)
    replies: list[Any] = []
    with client_for(url, "queued", push_fast_lane=lane) as client:
        threads = [threading.Thread(target=lambda n=n: replies.extend(_send_four(client, n)))
                   for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return replies, sizes


@pytest.mark.parametrize("lane", [False, True], ids=["groups", "fast-lane"])
def test_concurrent_requests_are_accepted_in_groups_and_leave_what_one_at_a_time_leaves(
    database_factory: Any, backend: str, monkeypatch: pytest.MonkeyPatch, lane: bool
) -> None:
    """Over HTTP, eight senders at once: the accepts form groups (with the push routes' fast
    lane off; on, each is accepted on the event loop: app/ingest/fast_lane.py), every delivery
    is answered "Tiếp nhận thành công", and the stored rows are those of the same deliveries
    sent by one sender at a time."""
    results = []
    for senders in (1, 8):
        url = database_factory.create(backend)
        prepare_database(url)
        start = utcnow()
        if senders == 1:  # the same deliveries, one sender after the other
            with client_for(url, "queued") as client:
                replies = [r for number in range(8) for r in _send_four(client, number)]
        else:
            replies, sizes = _concurrent_senders(url, senders, monkeypatch, lane)
        assert [r["error_code"] for r in replies] == [0] * 64, replies
        assert all("Tiếp nhận thành công" in r["message"] for r in replies)
        results.append(stored_rows(url, start, utcnow() + timedelta(seconds=1)))
    if lane:
        assert sizes == []  # none reached the groups
    else:
        assert max(sizes) > 1  # requests waited for each other's accepts: grouped
    assert results[1] == results[0]
