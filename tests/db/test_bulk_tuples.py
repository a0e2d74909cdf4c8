"""insert_new_tuples (the scan's inserts) stores what insert_new_rows stores, skips rows whose
unique key exists, and returns only the rows it inserted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from app.db.bulk import insert_new_rows, insert_new_tuples
from app.models.outbox import OutboxMessage

NOW = datetime(2025, 3, 3, 2, 0, 0, 123456, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))
COLUMNS = ("idempotency_key", "kind", "channel", "payload", "status", "attempts",
           "next_attempt_at", "created_at")
PAYLOAD = {"agency": "Sở Tư pháp", "n": 1}


def _stored(session: Session, key: str) -> tuple[object, ...]:
    row = session.execute(
        select(OutboxMessage.kind, OutboxMessage.channel, cast(OutboxMessage.payload, Text),
               OutboxMessage.status, OutboxMessage.attempts,
               cast(OutboxMessage.next_attempt_at, Text), cast(OutboxMessage.created_at, Text))
        .where(OutboxMessage.idempotency_key == key)
    ).one()
    return tuple(row)


def test_tuples_store_what_rows_store_and_skip_known_keys(db_session: Session) -> None:
    local = NOW.astimezone(HANOI)  # converted to UTC like the ORM's writes
    insert_new_rows(db_session, OutboxMessage, [
        {"idempotency_key": key, "kind": "k", "channel": "webhook", "payload": PAYLOAD,
         "status": "pending", "attempts": 0, "next_attempt_at": local, "created_at": NOW}
        for key in ("a", "b")
    ], ["idempotency_key"])
    inserted = insert_new_tuples(
        db_session, OutboxMessage, COLUMNS,
        [(key, "k", "webhook", json.dumps(PAYLOAD), "pending", 0, local, NOW)
         for key in ("b", "c", "d", "c")],
        ("idempotency_key",), ("idempotency_key",), as_is=frozenset({"payload"}),
    )
    assert sorted(inserted) == [("c",), ("d",)]  # b existed; the second c repeats
    assert _stored(db_session, "c") == _stored(db_session, "a")
    keys = db_session.scalars(select(OutboxMessage.idempotency_key)
                              .order_by(OutboxMessage.id)).all()
    assert keys == ["a", "b", "c", "d"]


def test_pages_beyond_the_parameter_limit_all_arrive(db_session: Session) -> None:
    rows = [(f"m{i}", "k", "webhook", "{}", "pending", 0, NOW, NOW) for i in range(5000)]
    inserted = insert_new_tuples(db_session, OutboxMessage, COLUMNS, rows, None, ("id",),
                                 as_is=frozenset({"payload"}))
    assert len(inserted) == 5000
