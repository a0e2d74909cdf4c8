"""insert_new_tuples (the scan's inserts) stores what insert_new_rows stores, skips rows whose
unique key exists, and returns only the rows it inserted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Text, cast, event, func, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.db import bulk
from app.db.bulk import (
    count_new_tuples,
    insert_new_keys,
    insert_new_rows,
    insert_new_tuples,
    insert_rows,
    insert_tuples,
    update_many,
)
from app.db.pg_unnest import in_database_form
from app.models import Dossier
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


def test_update_many_writes_converted_values_to_the_keyed_rows_only(db_session: Session) -> None:
    rows = [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in ("a", "b", "c")]
    insert_tuples(db_session, OutboxMessage, COLUMNS, rows)
    later = (NOW + timedelta(hours=1)).astimezone(HANOI)  # stored as UTC, like the ORM's
    update_many(db_session, OutboxMessage, ("idempotency_key", "status"), [
        {"idempotency_key": "a", "status": "pending", "attempts": 2, "next_attempt_at": later},
        {"idempotency_key": "c", "status": "sent", "attempts": 5, "next_attempt_at": later},
    ])
    db_session.expire_all()
    by_key = {m.idempotency_key: m for m in db_session.scalars(select(OutboxMessage))}
    assert (by_key["a"].attempts, by_key["a"].next_attempt_at) == (2, later)
    assert by_key["a"].next_attempt_at.utcoffset() == timedelta(0)
    assert by_key["b"].attempts == 0 and by_key["b"].next_attempt_at == NOW
    assert by_key["c"].attempts == 0  # its status is not "sent": no row matched both keys


def test_repeated_instants_are_written_alike_and_a_naive_one_still_refused(
    db_session: Session,
) -> None:
    """Instants are converted once per distinct value (`in_database_form`): the same instant in
    another offset is stored as the same UTC value, and a naive value equal in its digits to
    one already converted is not taken for it."""
    rows = [(key, "k", "webhook", "{}", "pending", 0, when, NOW)
            for key, when in (("a", NOW), ("b", NOW.astimezone(HANOI)), ("c", NOW))]
    insert_tuples(db_session, OutboxMessage, COLUMNS, rows)
    assert _stored(db_session, "a") == _stored(db_session, "b") == _stored(db_session, "c")
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        insert_tuples(db_session, OutboxMessage, COLUMNS,
                      [("d", "k", "webhook", "{}", "pending", 0, NOW, NOW),
                       ("e", "k", "webhook", "{}", "pending", 0, naive, NOW)])


def test_update_many_writes_only_the_columns_named(db_session: Session) -> None:
    """Given `columns`, the rows may carry more names (refresh_deadlines hands its full rows
    over and names the columns some dossier's value moved in): the others are not written."""
    insert_tuples(db_session, OutboxMessage, COLUMNS, [("a", "k", "webhook", "{}", "pending",
                                                        0, NOW, NOW)])
    update_many(db_session, OutboxMessage, ("idempotency_key",), [
        {"idempotency_key": "a", "attempts": 3, "status": "failed", "kind": "other"},
    ], ["attempts"])
    db_session.expire_all()
    message = db_session.scalars(select(OutboxMessage)).one()
    assert (message.attempts, message.status, message.kind) == (3, "pending", "k")


def test_insert_tuples_without_a_conflict_clause_refuses_a_repeat(db_session: Session) -> None:
    row = ("a", "k", "webhook", "{}", "pending", 0, NOW, NOW)
    insert_tuples(db_session, OutboxMessage, COLUMNS, [row])
    with pytest.raises(IntegrityError):
        insert_tuples(db_session, OutboxMessage, COLUMNS, [row])


def test_a_value_longer_than_its_column_is_refused_not_cut(
    db_session: Session, backend: str
) -> None:
    """PostgreSQL: `kind` is varchar(32). An explicit cast of the array to varchar(32)[] would
    store the first 32 characters silently; the statement must fail as an INSERT would."""
    if backend != "postgresql":
        pytest.skip("SQLite stores strings whatever their declared length")
    row = ("too-long", "k" * 33, "email", json.dumps(PAYLOAD), "pending", 0, NOW, NOW)
    with pytest.raises(DataError, match="too long"):
        insert_tuples(db_session, OutboxMessage, COLUMNS, [row])


def test_dict_rows_take_the_python_defaults_core_would_send(db_session: Session) -> None:
    """`insert_rows` (an import's pages on SQLite) stores what Core's executemany of the same
    dicts stores, including a scalar Python default the dicts leave out (`attempts`, 0)."""
    row = {"idempotency_key": "core", "kind": "k", "channel": "webhook", "payload": PAYLOAD,
           "status": "pending", "next_attempt_at": NOW.astimezone(HANOI), "created_at": NOW}
    db_session.connection().execute(insert(OutboxMessage), [row])
    returned = insert_rows(db_session, OutboxMessage, [dict(row, idempotency_key="rows")],
                           returning=("idempotency_key", "attempts"))
    assert returned == [("rows", 0)]
    assert _stored(db_session, "rows") == _stored(db_session, "core")


def _statements(session: Session) -> list[str]:
    """The UPDATE statements the session's connection sends from now on (an executemany is
    one entry, as it is one call)."""
    return _statements_of(session, "UPDATE")


def _statements_of(session: Session, verb: str) -> list[str]:
    sent: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.startswith(verb):
            sent.append(statement)

    event.listen(session.connection(), "before_cursor_execute", seen)
    return sent


def test_update_many_sends_pages_of_one_joined_update(
    db_session: Session, backend: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows with one key each go as one joined UPDATE (PostgreSQL: one ``FROM unnest``;
    SQLite: ``FROM (VALUES …)`` pages of `UPDATE_PAGE_ROWS`), each row getting its own
    values, instants converted as the ORM would."""
    monkeypatch.setattr(bulk, "UPDATE_PAGE_ROWS", 4)
    keys = [f"m{i:02}" for i in range(10)]
    insert_tuples(db_session, OutboxMessage, COLUMNS,
                  [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in keys])
    sent = _statements(db_session)
    update_many(db_session, OutboxMessage, ("idempotency_key",), [
        {"idempotency_key": key, "attempts": n,
         "next_attempt_at": (NOW + timedelta(minutes=n)).astimezone(HANOI)}
        for n, key in enumerate(keys[1:], 1)
    ])
    assert len(sent) == (1 if backend == "postgresql" else 3)  # 9 rows, pages of 4
    assert all(" FROM " in statement for statement in sent)
    db_session.expire_all()
    stored = {m.idempotency_key: (m.attempts, m.next_attempt_at)
              for m in db_session.scalars(select(OutboxMessage))}
    assert stored == {key: (n, NOW + timedelta(minutes=n)) for n, key in enumerate(keys)}


def test_update_many_with_a_repeated_key_writes_the_last_row_as_row_by_row(
    db_session: Session,
) -> None:
    """Two rows with one key: a joined UPDATE would write either; `update_many` writes them
    in order, as an executemany does, so the last one stays."""
    insert_tuples(db_session, OutboxMessage, COLUMNS,
                  [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in ("a", "b")])
    sent = _statements(db_session)
    update_many(db_session, OutboxMessage, ("idempotency_key",), [
        {"idempotency_key": "a", "attempts": 1}, {"idempotency_key": "b", "attempts": 5},
        {"idempotency_key": "a", "attempts": 2},
    ])
    assert [" FROM " in statement for statement in sent] == [False]
    db_session.expire_all()
    stored = {m.idempotency_key: m.attempts for m in db_session.scalars(select(OutboxMessage))}
    assert stored == {"a": 2, "b": 5}


def test_update_many_keys_on_a_column_it_also_writes(db_session: Session) -> None:
    """A key that is also written keeps the value it matched: each row updates the rows its
    keys name when the statement starts, and only those."""
    insert_tuples(db_session, OutboxMessage, COLUMNS,
                  [(key, "k", "webhook", "{}", status, 0, NOW, NOW)
                   for key, status in (("a", "pending"), ("b", "sent"))])
    update_many(db_session, OutboxMessage, ("idempotency_key", "status"), [
        {"idempotency_key": "a", "status": "pending", "attempts": 3},
        {"idempotency_key": "b", "status": "pending", "attempts": 4},
    ], ["status", "attempts"])
    db_session.expire_all()
    stored = {m.idempotency_key: (m.status, m.attempts)
              for m in db_session.scalars(select(OutboxMessage))}
    assert stored == {"a": ("pending", 3), "b": ("sent", 0)}


def test_count_new_tuples_counts_the_rows_inserted_over_every_page(
    db_session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The statements' own row counts, summed over pages: a key that exists, or repeats
    within the rows, is skipped and not counted; no RETURNING is asked for."""
    insert_tuples(db_session, OutboxMessage, COLUMNS,
                  [("m0003", "k", "webhook", "{}", "pending", 0, NOW, NOW)])
    monkeypatch.setattr(db_session.get_bind().dialect, "insertmanyvalues_page_size", 3)
    sent = []
    event.listen(db_session.connection(), "before_cursor_execute",
                 lambda conn, cursor, statement, *_: sent.append(statement))
    keys = [f"m{i:04}" for i in range(10)] + ["m0001"]
    count = count_new_tuples(
        db_session, OutboxMessage, COLUMNS,
        [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in keys],
        ("idempotency_key",), as_is=frozenset({"payload"}))
    assert count == 9  # m0003 existed, m0001 repeats
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 10
    assert sent and not any("RETURNING" in statement for statement in sent)
    assert count_new_tuples(db_session, OutboxMessage, COLUMNS, [], ("idempotency_key",)) == 0


def test_flags_are_converted_once_per_value_as_the_processor_would() -> None:
    """`in_database_form` converts a Boolean column once per distinct value (a flag is one of
    two): values equal to True or False are stored as the processor stores them, and any
    other value still reaches the processor and is refused."""
    dialect = sqlite.dialect()
    table = Dossier.__table__
    flags: list[object] = [True, 1, False, None, 0.0, True]
    to_db = table.c["escalated"].type._cached_bind_processor(dialect)
    assert in_database_form(table, ["escalated"], [flags], dialect) == [
        [to_db(flag) for flag in flags]]
    with pytest.raises(ValueError, match="Value 2 is not None, True, or False"):
        in_database_form(table, ["escalated"], [[True, 2]], dialect)


def test_insert_new_keys_returns_the_keys_inserted_with_or_without_returning(
    db_session: Session,
) -> None:
    """All keys new: the rows go without RETURNING and every distinct key comes back. One
    key known already: the savepoint is undone and the rows go again with RETURNING, so
    only the new keys come back and nothing is inserted twice. A row flushed before stays."""
    before = OutboxMessage(idempotency_key="orm", kind="k", channel="webhook", payload={},
                           status="pending", attempts=0, next_attempt_at=NOW, created_at=NOW)
    db_session.add(before)
    sent = _statements_of(db_session, "INSERT")
    rows = [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in ("a", "b", "a")]
    keys = insert_new_keys(db_session, OutboxMessage, COLUMNS, rows, ("idempotency_key",))
    assert keys == {("a",), ("b",)}
    assert not any("RETURNING" in statement for statement in sent[1:])  # [0]: the flush
    sent.clear()
    rows = [(key, "k", "webhook", "{}", "pending", 0, NOW, NOW) for key in ("c", "b", "d")]
    keys = insert_new_keys(db_session, OutboxMessage, COLUMNS, rows, ("idempotency_key",))
    assert keys == {("c",), ("d",)}
    assert [("RETURNING" in statement) for statement in sent] == [False, True]
    stored = db_session.scalars(select(OutboxMessage.idempotency_key)
                                .order_by(OutboxMessage.idempotency_key)).all()
    assert stored == ["a", "b", "c", "d", "orm"]
    assert before.kind == "k"
