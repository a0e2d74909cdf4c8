"""All SQL of the sender registry: senders, their sessions, their deliveries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ARRAY, String, any_, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from app.db.pg_driver import driver_connection, for_driver
from app.models import Agency, IngestRun, Sender, SenderSession


def add(session: Session, sender: Sender) -> Sender:
    session.add(sender)
    session.flush()
    return sender


def by_name(session: Session, name: str) -> Sender | None:
    return session.scalars(select(Sender).where(Sender.name == name)).first()


def by_username(session: Session, username: str) -> Sender | None:
    return session.scalars(select(Sender).where(Sender.username == username)).first()


def by_url_key(session: Session, key_hash: str) -> Sender | None:
    """With its agency loaded in the same query (`agency_code` then finds it without one)."""
    row = session.execute(
        select(Sender, Agency).outerjoin(Agency, Agency.id == Sender.agency_id)
        .where(Sender.url_key_hash == key_hash)
    ).first()
    if row is None:
        return None
    _keep(session, row[1])
    return row[0]


def all_senders(session: Session) -> list[tuple[Sender, str | None]]:
    rows = session.execute(
        select(Sender, Agency.code).outerjoin(Agency, Agency.id == Sender.agency_id)
        .order_by(Sender.name)
    )
    return [(sender, code) for sender, code in rows]


def agency_by_code(session: Session, code: str) -> Agency | None:
    return session.scalars(select(Agency).where(Agency.code == code)).first()


_LOADED_AGENCIES = "tthc.senders_agencies"


def _keep(session: Session, agency: Agency | None) -> None:
    """Hold a sender's agency loaded with it: the identity map keeps objects only while
    something refers to them, and `agency_code` would otherwise ask for it again."""
    if agency is not None:
        session.info.setdefault(_LOADED_AGENCIES, {})[agency.id] = agency


def agency_code(session: Session, agency_id: int | None) -> str | None:
    if agency_id is None:
        return None
    agency = session.get(Agency, agency_id)
    return agency.code if agency else None


@dataclass(frozen=True, slots=True)
class SessionOfSender:
    """A sender's session with what a delivery's checks and plan read of both: plain values,
    not ORM objects. Through the ORM (identity map, instrumented objects, the agency kept
    loaded) the look-up took ~2.5× the CPU of the same columns (docs/scaling.md, the
    receiver, rounds 8 and 9), on every OpenCPS delivery."""

    id: int
    last_used_at: datetime
    sender_id: int
    sender_name: str
    revoked_at: datetime | None
    agency_code: str | None


_SESSION_OF_SENDER = (
    select(SenderSession.id, SenderSession.last_used_at, Sender.id, Sender.name,
           Sender.revoked_at, Agency.code, SenderSession.token_hash)
    .join(Sender, Sender.id == SenderSession.sender_id)
    .outerjoin(Agency, Agency.id == Sender.agency_id)
)
#: on PostgreSQL one array parameter (one statement text whatever their number), run on the
#: driver (app/db/pg_driver.py): through SQLAlchemy the query's own work was the smaller part
SESSIONS_PG: Final = for_driver(_SESSION_OF_SENDER.where(
    SenderSession.token_hash == any_(bindparam("hashes", type_=ARRAY(String)))))
_SESSIONS: Final = _SESSION_OF_SENDER.where(
    SenderSession.token_hash.in_(bindparam("hashes", expanding=True)))


def session_by_hash(session: Session, token_hash: str) -> SessionOfSender | None:
    return sessions_by_hash(session, [token_hash]).get(token_hash)


def sessions_by_hash(session: Session, token_hashes: Sequence[str]) -> dict[str, SessionOfSender]:
    """The sessions of these hashes, with their senders and the senders' agency codes, in one
    query."""
    values = {"hashes": list(token_hashes)}
    rows: Iterable[Any] = (
        driver_connection(session).execute(SESSIONS_PG, values, prepare=True).fetchall()
        if session.get_bind().dialect.name == "postgresql"
        else session.execute(_SESSIONS, values))
    return sessions_of_rows(rows)


def sessions_of_rows(rows: Iterable[Any]) -> dict[str, SessionOfSender]:
    """`SESSIONS_PG`'s rows (or `_SESSIONS`') by token hash."""
    return {token_hash: SessionOfSender(id_, used, sender_id, name, revoked, agency)
            for id_, used, sender_id, name, revoked, agency, token_hash in rows}


def add_session(session: Session, row: SenderSession) -> None:
    session.add(row)
    session.flush()


def trim_sessions(session: Session, sender_id: int, keep: int, idle_before: datetime) -> int:
    """Delete the sender's sessions unused since `idle_before`, and all but its `keep` most
    recently used; returns how many went."""
    newest = select(SenderSession.id).where(SenderSession.sender_id == sender_id).order_by(
        SenderSession.last_used_at.desc(), SenderSession.id.desc()
    ).limit(keep)
    result = session.execute(
        delete(SenderSession).where(
            SenderSession.sender_id == sender_id,
            (SenderSession.last_used_at < idle_before) | SenderSession.id.not_in(newest),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_sessions(session: Session, sender_id: int) -> int:
    result = session.execute(delete(SenderSession).where(SenderSession.sender_id == sender_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.execute(
        update(SenderSession).where(SenderSession.id == session_id).values(last_used_at=now)
    )


def note_delivery(session: Session, sender_id: int, now: datetime) -> None:
    session.execute(update(Sender).where(Sender.id == sender_id).values(last_delivery_at=now))


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    deliveries: int
    records_refused: int
    deliveries_refused: int


def delivery_stats(session: Session, since: datetime) -> dict[int, DeliveryStats]:
    """Per sender since `since`: deliveries, records refused, deliveries with a refusal."""
    refused = func.sum(func.coalesce(IngestRun.quarantined, 0))
    with_refusal = func.count().filter(IngestRun.quarantined > 0)
    rows = session.execute(
        select(IngestRun.sender_id, func.count(), refused, with_refusal)
        .where(IngestRun.sender_id.is_not(None), IngestRun.started_at >= since)
        .group_by(IngestRun.sender_id)
    )
    return {int(s): DeliveryStats(int(n), int(r or 0), int(w or 0))
            for s, n, r, w in rows if s is not None}


def names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(Sender.id, Sender.name)
                                             .where(Sender.id.in_(list(ids))))}
