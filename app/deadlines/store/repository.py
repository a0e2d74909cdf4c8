"""The clock wing's SQL: what the engine reads of stored dossiers, the calendar and office hours,
and the one UPDATE that writes a dossier's clock columns back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.db.bulk import update_many
from app.deadlines.status import CLOSED, codes
from app.deadlines.store import open_rows
from app.deadlines.store.open_rows import OpenDossier
from app.models import (
    Agency,
    AgencyOfficeHours,
    CalendarOverrideRow,
    Dossier,
    DossierEvent,
    Procedure,
)


def procedures_by_id(session: Session, ids: Iterable[int]) -> dict[int, Procedure]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Procedure).where(Procedure.id.in_(wanted)))
    return {p.id: p for p in rows}


def events_for(session: Session, dossier_ids: Sequence[int]) -> Sequence[DossierEvent]:
    if not dossier_ids:
        return []
    return session.scalars(
        select(DossierEvent)
        .where(DossierEvent.dossier_id.in_(dossier_ids))
        .order_by(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.id)
    ).all()


def get_by_code(session: Session, code: str) -> Dossier | None:
    return session.scalars(select(Dossier).where(Dossier.code == code)).first()


def _open_filter(
    procedure_ids: list[int] | None, only: ColumnElement[bool] | None
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [
        Dossier.finished_at.is_(None),
        Dossier.status.not_in(codes(CLOSED)),
    ]
    if procedure_ids is not None:
        clauses.append(Dossier.procedure_id.in_(procedure_ids))
    if only is not None:
        clauses.append(only)
    return clauses


def count_open(
    session: Session,
    procedure_ids: Iterable[int] | None = None,
    only: ColumnElement[bool] | None = None,
) -> int:
    """How many dossiers `open_dossier_rows` will yield (for a progress bar)."""
    procedures = list(procedure_ids) if procedure_ids is not None else None
    query = select(func.count()).select_from(Dossier).where(*_open_filter(procedures, only))
    return int(session.scalar(query) or 0)


def open_id_at(session: Session, position: int) -> int | None:
    """The id of the `position`-th open dossier in id order (from 1); None when there are
    fewer."""
    return session.scalar(select(Dossier.id).where(*_open_filter(None, None))
                          .order_by(Dossier.id).offset(position - 1).limit(1))


def open_dossier_rows(
    session: Session,
    procedure_ids: Iterable[int] | None,
    batch_size: int,
    only: ColumnElement[bool] | None = None,
    after: int = 0,
) -> Iterator[list[OpenDossier]]:
    """Open dossiers (not finished, not excluded) in id order, a batch at a time, as plain rows
    (`OpenDossier`); `only` narrows them further, `after` starts past that id."""
    last_id = after
    procedures = list(procedure_ids) if procedure_ids is not None else None
    # Read on the session's connection, past the ORM's execution layer (its compile state
    # for a select of plain columns cost a third of reading a batch): flushed first by hand,
    # as the session would, so that no pending change is read around.
    session.flush()
    connection = session.connection()
    while True:
        query = (
            select(*open_rows.COLUMNS)
            .where(Dossier.id > last_id, *_open_filter(procedures, only))
            .order_by(Dossier.id)
            .limit(batch_size)
        )
        batch = [OpenDossier(*row) for row in connection.execute(query)]
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def update_clock_columns(
    session: Session, rows: list[dict[str, Any]], columns: Sequence[str]
) -> None:
    """One bulk UPDATE (`update_many`) of ``columns`` for every row, each given by ``id`` and
    its ``received_at`` (`dossier_keys`)."""
    update_many(session, Dossier, dossier_keys(session), rows, columns)


def dossier_keys(session: Session) -> tuple[str, ...]:
    """The columns a bulk UPDATE finds a dossier row by: its id, and on PostgreSQL its receipt
    instant too, the partition key of migration 0004's monthly partitions (SQLite's one
    table needs only the id, and formatting every row's instant for it cost a tenth of the
    scan's UPDATE)."""
    return ("id", "received_at") if session.get_bind().dialect.name == "postgresql" else ("id",)


def may_have_moved(since: datetime, now: datetime, horizon: datetime) -> ColumnElement[bool]:
    """Open dossiers whose classification or facts can differ from the last scan at `since`:
    changed since then, not yet classified or without a due, in time but due before `horizon`
    (they may have become due soon or overdue), or re-appointed to a date now past and not yet
    escalated. An overdue dossier stays overdue until its data change; an in-time dossier due
    after the horizon stays in time."""
    return or_(
        Dossier.updated_at >= since,
        Dossier.classification.is_(None),
        Dossier.due_at.is_(None),
        and_(Dossier.due_at <= horizon, Dossier.classification != "overdue"),
        and_(
            Dossier.reappointed_due_at.is_not(None),
            Dossier.reappointed_due_at <= now,
            Dossier.escalated.is_(False),
        ),
    )


def list_overrides(
    session: Session, start: date | None = None, end: date | None = None
) -> Sequence[CalendarOverrideRow]:
    query = select(CalendarOverrideRow).order_by(CalendarOverrideRow.day)
    if start is not None:
        query = query.where(CalendarOverrideRow.day >= start)
    if end is not None:
        query = query.where(CalendarOverrideRow.day < end)
    return session.scalars(query).all()


def list_office_hours(session: Session) -> Sequence[AgencyOfficeHours]:
    return session.scalars(
        select(AgencyOfficeHours).order_by(
            AgencyOfficeHours.agency_id, AgencyOfficeHours.effective_from
        )
    ).all()


def all_procedures(session: Session) -> Sequence[Procedure]:
    return session.scalars(select(Procedure)).all()


def agencies_by_id(session: Session, ids: Sequence[int]) -> Sequence[Agency]:
    return session.scalars(select(Agency).where(Agency.id.in_(ids))).all() if ids else []
