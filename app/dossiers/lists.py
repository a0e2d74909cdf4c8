"""The supervisors' work lists: overdue and due-soon dossiers, as of an instant.

Both are range queries on the stored legal due (`due_at`), so they use the index on it:
overdue means open and due before `as_of`; due soon means open and due between `as_of` and
`as_of` + the due-soon threshold in working time (the same threshold the engine uses).
Pagination is by keyset on (due_at, id), so deep pages cost the same as the first.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.db.types import MAX_ROW_ID
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.models import Agency, Dossier, Procedure

EXCLUDED_OR_FINISHED = (1, 3, 7, 8, 9, 10)
ListKind = Literal["overdue", "due_soon"]


@dataclass(frozen=True)
class ListFilters:
    agency_ids: Collection[int] | None = None  # None: every agency
    procedure_code: str | None = None
    field_code: str | None = None


@dataclass(frozen=True)
class ListRow:
    dossier: Dossier
    procedure: Procedure
    agency: Agency


def encode_cursor(due_at: datetime, dossier_id: int) -> str:
    raw = json.dumps([due_at.isoformat(), dossier_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        due_text, dossier_id = json.loads(base64.urlsafe_b64decode(padded))
        due = datetime.fromisoformat(due_text)
        if due.tzinfo is None or not isinstance(dossier_id, int):
            raise ValueError("bad cursor content")
        # a due far outside the clock's years, or an id beyond 32 bits, names no row
        if not MIN_YEAR <= due.year <= MAX_YEAR or not 0 < dossier_id <= MAX_ROW_ID:
            raise ValueError("cursor out of range")
        return due, dossier_id
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as exc:
        raise ValidationFailed("cursor is not one this API returned") from exc


def _base(filters: ListFilters, as_of: datetime) -> Select[Dossier, Procedure, Agency]:
    query = (
        select(Dossier, Procedure, Agency)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Agency, Agency.id == Dossier.agency_id)
        .where(Dossier.status.not_in(EXCLUDED_OR_FINISHED))
        .where(Dossier.finished_at.is_(None))
        .where(Dossier.paused_since.is_(None))
        .where(Dossier.received_at <= as_of)
        .where(Dossier.due_at.is_not(None))
    )
    if filters.agency_ids is not None:
        query = query.where(Dossier.agency_id.in_(list(filters.agency_ids)))
    if filters.procedure_code:
        query = query.where(Procedure.code == filters.procedure_code)
    if filters.field_code:
        query = query.where(Procedure.field_code == filters.field_code)
    return query


def _of_kind(
    query: Select[Dossier, Procedure, Agency], kind: ListKind, as_of: datetime,
    due_soon_until: datetime,
) -> Select[Dossier, Procedure, Agency]:
    if kind == "overdue":
        return query.where(Dossier.due_at < as_of)
    return query.where(Dossier.due_at >= as_of, Dossier.due_at <= due_soon_until)


def count_dossiers(
    session: Session, kind: ListKind, as_of: datetime, due_soon_until: datetime,
    filters: ListFilters,
) -> int:
    """The whole list's length (every page), shown above the first."""
    query = _of_kind(_base(filters, as_of), kind, as_of, due_soon_until)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def list_dossiers(
    session: Session,
    kind: ListKind,
    as_of: datetime,
    due_soon_until: datetime,
    filters: ListFilters,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[ListRow], str | None]:
    """One page, most late (or most urgent) first, and the cursor of the next page."""
    query = _of_kind(_base(filters, as_of), kind, as_of, due_soon_until)
    if cursor:
        due, last_id = decode_cursor(cursor)
        query = query.where(
            or_(Dossier.due_at > due, and_(Dossier.due_at == due, Dossier.id > last_id))
        )
    rows = session.execute(query.order_by(Dossier.due_at, Dossier.id).limit(limit + 1)).all()
    page = [ListRow(dossier=d, procedure=p, agency=a) for d, p, a in rows[:limit]]
    next_cursor = None
    if len(rows) > limit and page:
        last = page[-1].dossier
        assert last.due_at is not None  # filtered above
        next_cursor = encode_cursor(last.due_at, last.id)
    return page, next_cursor
