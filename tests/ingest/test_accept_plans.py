"""The accept path's statements are planned once per connection (app/db/pg_driver.py
`GENERIC_PLANS`): planning them anew at each delivery was as much of PostgreSQL's time as
running them (docs/scaling.md, the receiver, round 10). And the pool hands out the connection
used last, whose statements are prepared already."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from app.db.session import make_engine
from app.ingest.accept_group import accept_many
from tests.ingest.push_queue_support import postgresql_only  # noqa: F401  (autouse)
from tests.ingest.test_accept_group import _processor, _signed, _snapshot
from tests.ingest.test_sender_contracts_grouped import _keyed, fresh_scope


def _plans(session: Any) -> dict[str, list[tuple[int, int]]]:
    """(generic plans, custom plans) of this connection's prepared statements, by kind (psycopg
    prepares a statement once per set of parameter types: a signed delivery's ledger values
    are text, a keyed one's are NULL)."""
    rows = session.execute(text(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
    kinds = {"WITH ok AS": "accept", "ORDER BY v.key": "add rows"}
    found: dict[str, list[tuple[int, int]]] = {}
    for statement, generic, custom in rows:
        for marker, kind in kinds.items():
            if marker in statement:
                found.setdefault(kind, []).append((int(generic), int(custom)))
    return found


def test_a_groups_statements_are_prepared_at_once_with_one_generic_plan(
    database_factory: Any, backend: str
) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        # two rows of the minute (the webhook's and the keyed sender's): they are added first
        outcomes = accept_many(queue, [
            _signed(_snapshot("H21.65-250910-0002")),
            _keyed(creds, "DongBoHoSoMC", json.dumps(_snapshot("H21.65-250910-0003")).encode(),
                   {})], ["", ""])
        assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
        with scope() as session:  # the same connection: nothing else ran meanwhile
            plans = _plans(session)
    # each prepared at its first execution (psycopg waits for five by default) and run with
    # the generic plan (PostgreSQL makes five custom plans first by default)
    assert plans == {"accept": [(1, 0), (1, 0)], "add rows": [(1, 0)]}


def test_the_pool_hands_out_the_connection_returned_last(database_factory: Any,
                                                         backend: str) -> None:
    engine = make_engine(database_factory.create(backend))
    try:
        first, second = engine.connect(), engine.connect()
        pids = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second)]
        first.close()
        second.close()
        with engine.connect() as again:
            assert again.execute(text("SELECT pg_backend_pid()")).scalar_one() == pids[1]
    finally:
        engine.dispose()


def test_a_lone_accept_is_prepared_at_once_with_one_generic_plan(database_factory: Any,
                                                                 backend: str) -> None:
    with fresh_scope(database_factory.create(backend)) as (scope, creds):
        queue = _processor(scope)
        for n in (1, 2):
            body = json.dumps(_snapshot(f"H21.65-250910-000{n}")).encode()
            assert isinstance(queue.accept(_keyed(creds, "DongBoHoSoMC", body, {})), dict)
        with scope() as session:
            plans = _plans(session)
    assert plans == {"accept": [(2, 0)]}
