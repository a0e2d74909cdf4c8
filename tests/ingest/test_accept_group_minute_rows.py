"""A group of accepts adds the rows of the minute it counts in before anything else, in key
order (app/ingest/queue_repository.py, `accept_many`): two groups, or a group and a lone
accept, then wait for each other instead of each holding a row the other needs (PostgreSQL
would end one after deadlock_timeout and its deliveries would be accepted one by one). A row
that is there already is only read: the processor counts the deliveries in it, and an accept
never waits for a processor's batch."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.pg_driver import driver_connection
from app.ingest import push_queue
from app.ingest import queue_repository as repo
from app.ingest.accept_group import accept_many
from tests.ingest.push_queue_support import postgresql_only  # noqa: F401  (autouse)
from tests.ingest.test_accept_group import _accepted, _processor, _signed, _snapshot
from tests.ingest.test_sender_contracts_grouped import _keyed, fresh_scope

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _params(key: str, code: str, payload: str | None = None, sender_id: int | None = None,
            now: datetime = NOW) -> dict[str, Any]:
    """One snapshot's accept values counted in row of the minute ``key``: the signed webhook's
    (no registered sender) unless ``sender_id``. Its payload an empty object under the hash
    ``payload``: the processor quarantines it, which counts as processed."""
    digest = payload or f"h-{code}"
    return {
        "steps": "[]", "snapshots": json.dumps([code]), "order": json.dumps([digest]),
        "now": now,
        "source": "webhook" if sender_id is None else "dvcqg", "kind": "dossier",
        "sender_id": sender_id, "record_agency": "A",
        "records": json.dumps([{"h": digest, "k": "dossier", "o": None, "p": "{}", "c": code,
                                "n": 1}]),
        "key": key, "detail": None, "agency": None,
        "digest": None, "endpoint": None, "signed_at": None, "session_id": None,
        "live_after": None,
    }


def _waiting_for_a_lock(session: Session, pid: int) -> bool:
    return bool(session.execute(text(
        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
        {"pid": pid}).scalar())


def test_groups_counting_in_the_same_new_rows_of_the_minute_wait_for_each_other(
    database_factory: Any, backend: str
) -> None:
    """Hand arithmetic of the deadlock: one accept holds new row A; a group of B then A used
    to insert B and wait for A, and the first then waited for B. Now the group first adds A
    and B in key order, so it waits at A holding nothing, and the first goes on to B."""
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        failures: list[BaseException] = []
        with scope() as first, scope() as second:
            repo.accept(first, _params("A", "H21.65-250910-0001"))  # holds new row A
            pid = driver_connection(second).info.backend_pid

            def group() -> None:
                try:
                    repo.accept_many(second, [_params("B", "H21.65-250910-0002"),
                                              _params("A", "H21.65-250910-0003")])
                    second.commit()
                except BaseException as exc:
                    failures.append(exc)

            thread = threading.Thread(target=group)
            thread.start()
            deadline = time.monotonic() + 10
            with scope() as watcher:
                while not _waiting_for_a_lock(watcher, pid):
                    assert thread.is_alive() and time.monotonic() < deadline, failures
                    time.sleep(0.01)
            # B is free: the group waits at A, before adding B
            repo.accept(first, _params("B", "H21.65-250910-0004"))
            first.commit()
            thread.join(10)
        assert not thread.is_alive() and not failures
        assert _queued_per_row(scope) == {"A": 2, "B": 2}


def _queued_per_row(scope: Any) -> dict[str, int]:
    with scope() as session:
        return dict(session.execute(text(
            "SELECT r.summary_key, count(*) FROM push_queue AS q JOIN ingest_run AS r "
            "ON r.id = q.run_id GROUP BY r.summary_key ORDER BY r.summary_key")).all())


def test_accepts_do_not_wait_for_a_processor_holding_their_rows_of_the_minute(
    database_factory: Any, backend: str
) -> None:
    """The processor counts a batch in its rows of the minute at the end of its transaction;
    an accept that updated its row then waited for the whole batch's commit, and the processor
    for every accept holding a row it needed. An accept now reads its row, never updates it."""
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        with scope() as session:
            repo.accept_many(session, [_params("A", "H21.65-250910-0001"),
                                       _params("B", "H21.65-250910-0002")])
        with scope() as processor, scope() as accepting:
            processor.execute(text("UPDATE ingest_run SET stored = stored + 1"))  # holds A, B
            accepting.execute(text("SET LOCAL lock_timeout = '1s'"))
            # a lone accept, and a group naming both rows (its rows added first)
            repo.accept(accepting, _params("A", "H21.65-250910-0003"))
            repo.accept_many(accepting, [_params("B", "H21.65-250910-0004"),
                                         _params("A", "H21.65-250910-0005")])
            accepting.commit()
            processor.commit()
        assert _queued_per_row(scope) == {"A": 3, "B": 2}


def test_a_row_of_the_minute_added_for_a_delivery_the_inline_path_takes_is_not_left_empty(
    database_factory: Any, backend: str
) -> None:
    """A progress step of a dossier neither stored nor queued is not accepted (``go`` false):
    the row of the minute the group added for it, with no page counted, is taken back."""
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        orphan = _keyed(creds, "CapNhatTienDoHoSoMC", json.dumps([{
            "MaHoSo": "H21.65-250910-0099", "NgayXuLy": "20250910100000",
            "TrangThaiXuLy": "2", "NoiDungXuLy": "Xử lý", "PhongBanXuLy": "Một cửa",
            "CanBoXuLy": "A"}]).encode(), {})
        outcomes = accept_many(queue, [_signed(_snapshot("H21.65-250910-0001")), orphan],
                               ["", ""])
        assert _accepted(outcomes) == [True, False] and outcomes[1] is None
        assert list(_queued_per_row(scope).values()) == [1]  # the webhook's row
        with scope() as session:
            assert session.execute(text("SELECT count(*) FROM ingest_run")).scalar_one() == 1
        push_queue.drain(scope)  # the processor counts the page
        with scope() as session:
            assert session.execute(text("SELECT pages FROM ingest_run")).scalars().all() == [1]


@pytest.mark.parametrize("groups", [1, 2])
def test_new_rows_of_the_minute_count_each_delivery_once(
    database_factory: Any, backend: str, groups: int
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        for n in range(groups):
            codes = [f"H21.65-250910-{10 * n + i:04d}" for i in range(3)]
            prepares = [_signed(_snapshot(codes[0]))] + [
                _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot(c)).encode(), {})
                for c in codes[1:]]
            assert _accepted(accept_many(queue, prepares, [""] * 3)) == [True] * 3
        push_queue.drain(scope)  # the processor counts the pages
        with scope() as session:
            pages = sorted(session.execute(text("SELECT pages FROM ingest_run")).scalars())
        assert pages == [groups, 2 * groups]
