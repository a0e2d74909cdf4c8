"""All SQL of the rates package: GROUP BY counting queries, never one row per dossier in Python
(except `finished_spans`, which fetches three columns of the period's finished dossiers because a
median and working time cannot be computed in portable SQL).

Instants are stored in UTC. The local calendar date (Asia/Ho_Chi_Minh) that DEADLINES.md §6
compares for "early" is computed in SQL per dialect. Vietnam has kept UTC+07:00 without daylight
saving since 1975, so SQLite's fixed '+7 hours' is exact for every date this product handles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import KeyedColumnElement

from app.deadlines.status import EXCLUDED, FINISHED, DossierStatus, codes
from app.models import Agency, Dossier, Notice, Procedure

GroupKey = Literal["agency", "procedure", "field", "channel"]
EXCLUDED_CODES = codes(EXCLUDED)
FINISHED_CODES = codes(FINISHED)
NO_GROUP = "__all__"


def local_date(expr: Any, dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.timezone("Asia/Ho_Chi_Minh", expr), Date)
    return func.date(expr, "+7 hours")


def finish_instant() -> ColumnElement[datetime]:
    """DEADLINES.md §6: finished at status 9's instant, or at the return if no 9 came first."""
    return func.coalesce(Dossier.finished_at, Dossier.returned_at)


def _n(condition: ColumnElement[bool], name: str) -> KeyedColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)


def _group_column(group_by: GroupKey | None) -> ColumnElement[Any]:
    if group_by == "agency":
        return Dossier.agency_id.expression
    if group_by == "procedure":
        return Dossier.procedure_id.expression
    if group_by == "field":
        return Procedure.field_code.expression
    if group_by == "channel":
        return Dossier.channel.expression
    return literal(NO_GROUP)


def count_dossiers(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    group_by: GroupKey | None,
    agency_ids: frozenset[int] | None,
    only: ColumnElement[bool] | None = None,
) -> dict[Any, dict[str, int]]:
    """Every dossier counter of PeriodCounts for [start, end), one row per group key; ``only``
    narrows the dossiers counted (the rollup's live part, app/rates/rollups/service.py)."""
    dialect = session.get_bind().dialect.name
    finish = finish_instant()
    excluded = Dossier.status.in_(EXCLUDED_CODES)
    counted = not_(excluded)
    received = and_(Dossier.received_at >= start, Dossier.received_at < end)
    open_at_start = or_(finish.is_(None), finish >= start)
    carried = and_(counted, Dossier.received_at < start, open_at_start)
    resolved = and_(counted, finish >= start, finish < end)
    open_end = and_(
        counted, Dossier.received_at < end, or_(finish.is_(None), finish >= end)
    )
    paused = and_(Dossier.paused_since.is_not(None), Dossier.paused_since < end)
    has_due = Dossier.due_at.is_not(None)
    late = and_(resolved, has_due, finish > Dossier.due_at)
    early = and_(
        resolved,
        has_due,
        finish <= Dossier.due_at,
        local_date(finish, dialect) < local_date(Dossier.due_at, dialect),
    )
    on_time = and_(
        resolved,
        has_due,
        finish <= Dossier.due_at,
        local_date(finish, dialect) >= local_date(Dossier.due_at, dialect),
    )
    overdue = and_(open_end, not_(paused), has_due, Dossier.due_at < end)
    open_no_due = and_(open_end, not_(paused), not_(has_due))
    key = _group_column(group_by).label("group_key")
    query = (
        select(
            key,
            _n(received, "received"),
            _n(and_(received, Dossier.channel == 2), "received_online"),
            _n(and_(received, Dossier.channel == 3), "received_postal"),
            _n(carried, "carried_over"),
            _n(early, "resolved_early"),
            _n(on_time, "resolved_on_time"),
            _n(late, "resolved_late"),
            _n(and_(resolved, not_(has_due)), "resolved_no_due"),
            _n(and_(open_end, not_(overdue), not_(open_no_due)), "open_in_time"),
            _n(and_(open_end, paused), "open_paused"),
            _n(overdue, "open_overdue"),
            _n(open_no_due, "open_no_due"),
            _n(and_(received, excluded), "excluded"),
            _n(and_(received, Dossier.status == DossierStatus.SUBMITTED), "excluded_not_accepted"),
            _n(and_(received, Dossier.status == DossierStatus.REFUSED), "excluded_refused"),
            _n(and_(received, Dossier.status == DossierStatus.WITHDRAWN), "excluded_withdrawn"),
            _n(and_(received, Dossier.status == DossierStatus.STOPPED), "excluded_stopped"),
            _n(
                and_(or_(late, overdue), Dossier.late_without_apology.is_(True)),
                "late_without_apology",
            ),
            _n(and_(counted, finish < Dossier.received_at), "finished_before_received"),
            _n(
                and_(Dossier.status.in_(FINISHED_CODES), finish.is_(None), open_end),
                "finished_status_without_time",
            ),
        )
        # `only` first: it rejects most rows with one comparison of the receipt
        .where(*([only] if only is not None else []), or_(received, carried, resolved))
        .group_by(key)
    )
    if group_by == "field":
        query = query.join(Procedure, Procedure.id == Dossier.procedure_id)
    if agency_ids is not None:
        query = query.where(Dossier.agency_id.in_(sorted(agency_ids)))
    return {row.group_key: dict(row._mapping) for row in session.execute(query)}


def count_apologies(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    group_by: GroupKey | None,
    agency_ids: frozenset[int] | None,
) -> dict[Any, dict[str, int]]:
    """Apology notices issued in [start, end), and how many were issued in time (NOTICES.md)."""
    key = _group_column(group_by).label("group_key")
    query = (
        select(
            key,
            func.count().label("apologies_issued"),
            _n(Notice.issued_in_time.is_(True), "apologies_on_time"),
        )
        .select_from(Notice)
        .join(Dossier, Dossier.id == Notice.dossier_id)
        .where(Notice.issued_at >= start, Notice.issued_at < end, Notice.status != "cancelled")
        .group_by(key)
    )
    if group_by == "field":
        query = query.join(Procedure, Procedure.id == Dossier.procedure_id)
    if agency_ids is not None:
        query = query.where(Dossier.agency_id.in_(sorted(agency_ids)))
    return {row.group_key: dict(row._mapping) for row in session.execute(query)}


@dataclass(frozen=True, slots=True)
class FinishedSpan:
    procedure_id: int
    started_at: datetime
    finished_at: datetime


def finished_spans(
    session: Session, start: datetime, end: datetime, *, agency_ids: frozenset[int] | None
) -> list[FinishedSpan]:
    """Clock start and finish of the dossiers resolved in [start, end)."""
    finish = finish_instant().label("finish")
    clock_start = func.coalesce(Dossier.clock_started_at, Dossier.received_at).label("started")
    finished = finish_instant()
    query = select(Dossier.procedure_id, clock_start, finish).where(
        Dossier.status.not_in(EXCLUDED_CODES), finished >= start, finished < end
    )
    if agency_ids is not None:
        query = query.where(Dossier.agency_id.in_(sorted(agency_ids)))
    return [
        FinishedSpan(row.procedure_id, _aware(row.started), _aware(row.finish))
        for row in session.execute(query)
        if row.started is not None and row.finish is not None
    ]


def _aware(value: Any) -> datetime:
    # A labelled coalesce() keeps the column type on both dialects today; this keeps the result
    # right if a driver ever hands back a string or a naive UTC value instead.
    instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AgencyNode:
    id: int
    code: str
    name: str
    parent_id: int | None


def agency_tree(session: Session) -> dict[int, AgencyNode]:
    rows = session.execute(select(Agency.id, Agency.code, Agency.name, Agency.parent_id))
    return {r.id: AgencyNode(r.id, r.code, r.name, r.parent_id) for r in rows}


def agency_by_code(session: Session, code: str) -> AgencyNode | None:
    row = session.execute(
        select(Agency.id, Agency.code, Agency.name, Agency.parent_id).where(Agency.code == code)
    ).first()
    return AgencyNode(row.id, row.code, row.name, row.parent_id) if row else None


def procedure_labels(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_(sorted(ids)))
    )
    return {r.id: (r.code, r.name) for r in rows}


def field_labels(session: Session, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(
        select(Procedure.field_code, func.max(Procedure.field_name))
        .where(Procedure.field_code.in_(sorted(codes)))
        .group_by(Procedure.field_code)
    )
    return {code: name or code for code, name in rows if code is not None}
