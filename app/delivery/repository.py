"""All SQL of the outbox. Flushes, never commits.

Status changes are compare-and-set on the current status, so two workers racing for one row
cannot both win, with or without row locks. Writes are single statements that write first:
on SQLite a transaction that reads and then writes fails ("database is locked") when another
connection committed in between, where a write-first statement just waits its turn."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from app.db.bulk import count_new_tuples
from app.models.outbox import OutboxMessage


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


class NewMessage(NamedTuple):
    """An outbox row to insert; `payload_json` is the checked payload's JSON text, stored as
    it is (app/delivery/payloads.py serialised it once, for its size check too)."""

    idempotency_key: str
    kind: str
    channel: str
    payload_json: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime


_NEW_MESSAGE_COLUMNS = ("idempotency_key", "kind", "channel", "payload", "status", "attempts",
                        "next_attempt_at", "created_at")


def insert_if_new(session: Session, rows: Sequence[NewMessage]) -> int:
    """Insert the rows whose idempotency key is new (one statement per page); how many were."""
    return count_new_tuples(session, OutboxMessage, _NEW_MESSAGE_COLUMNS, rows,
                            ("idempotency_key",), as_is=frozenset({"payload"}))


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def claim_due(
    session: Session,
    *,
    now: datetime,
    channels: Collection[str],
    limit: int,
    lease_until: datetime,
) -> list[OutboxMessage]:
    """Move up to `limit` due pending messages of `channels` to `sending` (attempts + 1,
    leased until `lease_until`) and return them.

    On PostgreSQL the due rows are locked with SKIP LOCKED, so a concurrent worker takes other
    rows instead of waiting; on SQLite one write-first UPDATE waits for the write lock instead
    of failing the way a read-then-write transaction does.
    The outer ``status = 'pending'`` makes a lost race claim nothing rather than twice.
    """
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel.in_(list(channels)),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    chosen: Any
    if _dialect(session) == "postgresql":
        # Locked first, then updated: PostgreSQL may re-run an IN (... LIMIT ... SKIP LOCKED)
        # subquery during the UPDATE and so claim more rows than the limit.
        chosen = list(session.scalars(due.with_for_update(skip_locked=True)).all())
        if not chosen:
            return []
    else:
        chosen = due.scalar_subquery()
    won = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), OutboxMessage.status == "pending")
        .values(
            status="sending",
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=lease_until,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not won:
        return []
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(list(won)))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    return list(rows)


def transition(
    session: Session, message_id: int, *, from_status: str, **values: Any
) -> bool:
    result = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == from_status)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    session.expire_all()
    return result.rowcount == 1


def settle_expired(
    session: Session,
    *,
    now: datetime,
    channel: str,
    to_status: str,
    last_error: str,
    below_attempts: int | None = None,
) -> int:
    """Move `sending` rows of `channel` whose lease ran out (their worker died) to `to_status`;
    with `below_attempts`, only rows that have attempts left."""
    query = update(OutboxMessage).where(
        OutboxMessage.status == "sending",
        OutboxMessage.channel == channel,
        OutboxMessage.next_attempt_at <= now,
    )
    if below_attempts is not None:
        query = query.where(OutboxMessage.attempts < below_attempts)
    result = cast(
        CursorResult[Any],
        session.execute(
            query.values(status=to_status, next_attempt_at=now, last_error=last_error)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount


def count_due(session: Session, *, now: datetime, channels: Collection[str]) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.channel, func.count())
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel.in_(list(channels)),
        )
        .group_by(OutboxMessage.channel)
    ).all()
    return {channel: int(count) for channel, count in rows}


def status_counts(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.channel, OutboxMessage.status
        )
    ).all()
    return {(channel, status): int(count) for channel, status, count in rows}


def oldest_pending(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
    )


def listing(session: Session, *, limit: int, status: str | None = None) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return session.scalars(query).all()
