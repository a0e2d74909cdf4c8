"""The accept statement updates no row another accept or the processor updates
(app/ingest/queue_repository.py): the processor counts a delivery's page in its row of the
minute and notes its sender's last delivery. What that leaves to check: two accepts adding the
same row share it, accepts that share a payload never wait for each other in a cycle, and the
processor's counts (a page counted at acceptance by the code before migration 0021 is not
counted twice)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from app.core.clock import utcnow
from app.db.pg_driver import driver_connection
from app.ingest import push_queue
from app.ingest import queue_repository as repo
from app.senders.service import add_sender
from tests.ingest.push_queue_support import postgresql_only  # noqa: F401  (autouse)
from tests.ingest.senders.scenarios import AGENCY
from tests.ingest.test_accept_group_minute_rows import NOW, _params, _waiting_for_a_lock
from tests.ingest.test_sender_contracts_grouped import fresh_scope


def _two_senders(scope: Any) -> tuple[int, int]:
    with scope() as session:
        add_sender(session, "second", AGENCY, utcnow())
    with scope() as session:
        first, second = session.execute(text("SELECT id FROM sender ORDER BY id")).scalars()
    return first, second


def test_two_accepts_adding_the_same_row_of_the_minute_share_it(database_factory: Any,
                                                                 backend: str) -> None:
    """The second accept's snapshot does not see the first's new row: its INSERT waits for
    the first transaction, then reads the row with ON CONFLICT's lock."""
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        got: list[Any] = []
        with scope() as first, scope() as second:
            one = repo.accept(first, _params("A", "H21.65-250910-0001", "h1"))
            pid = driver_connection(second).info.backend_pid

            def other() -> None:
                got.append(repo.accept(second, _params("A", "H21.65-250910-0002", "h2")))
                second.commit()

            thread = threading.Thread(target=other)
            thread.start()
            deadline = time.monotonic() + 10
            with scope() as watcher:
                while not _waiting_for_a_lock(watcher, pid):
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
            first.commit()
            thread.join(10)
        assert got and got[0].go and got[0].run_id == one.run_id and got[0].queue_id


def test_a_group_and_a_lone_accept_sharing_a_payload_do_not_wait_in_a_cycle(
    database_factory: Any, backend: str
) -> None:
    """Hand arithmetic of the cycle the sender's row made: a group accepted sender 1's
    delivery (its row updated, so locked), a lone accept of sender 1 inserted payload P and
    waited for that row, and the group's next accept, sender 2's resend of P, waited for the
    lone accept's uncommitted P. No accept updates a sender's row now."""
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        s1, s2 = _two_senders(scope)
        with scope() as session:  # the rows of the minute exist: nobody waits at them
            repo.accept(session, _params("K1", "H21.65-250910-0010", "B", s1))
            repo.accept(session, _params("K2", "H21.65-250910-0011", "C", s2))
        errors: list[BaseException] = []
        with scope() as group, scope() as lone:
            repo.accept(group, _params("K1", "H21.65-250910-0001", "A", s1))

            def alone() -> None:
                try:
                    repo.accept(lone, _params("K1", "H21.65-250910-0002", "P", s1))
                    lone.commit()
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=alone)
            thread.start()
            thread.join(2)  # done at once; before, waiting for sender 1's row
            try:
                repo.accept(group, _params("K2", "H21.65-250910-0002", "P", s2))
                group.commit()
            except BaseException as exc:
                errors.append(exc)
                group.rollback()
            thread.join(10)
        assert not errors, [f"{type(e).__name__}: {str(e).splitlines()[0]}" for e in errors]


def test_the_processor_counts_pages_acceptance_instants_and_senders_last_delivery(
    database_factory: Any, backend: str
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, _creds):
        s1, _s2 = _two_senders(scope)
        later = NOW + timedelta(seconds=30)
        with scope() as session:
            repo.accept(session, _params("K", "H21.65-250910-0001", "h1", s1))
            repo.accept(session, _params("K", "H21.65-250910-0002", "h2", s1, later))
            # a delivery queued by the code before migration 0021, its page counted then
            repo.accept(session, _params("K", "H21.65-250910-0003", "h3", s1))
            session.execute(text("UPDATE push_queue SET page_counted = true "
                                 "WHERE 'H21.65-250910-0003' = ANY(dossier_codes)"))
            session.execute(text("UPDATE ingest_run SET pages = 1"))
        with scope() as session:
            assert session.execute(text(
                "SELECT last_delivery_at FROM sender WHERE id = :id"), {"id": s1}).scalar() is None
        push_queue.drain(scope)
        with scope() as session:
            row = session.execute(text(
                "SELECT pages, quarantined, started_at, finished_at FROM ingest_run")).one()
            noted = session.execute(text(
                "SELECT last_delivery_at FROM sender WHERE id = :id"), {"id": s1}).scalar()
        assert tuple(row) == (3, 3, NOW, later)
        assert noted == later
