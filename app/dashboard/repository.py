"""The few read queries only the dashboard needs: choices for its filters and the quarantine
entries a supervisor may see (scoped like the API, app/ingest/scope_repository.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest import scope_repository
from app.models import Agency, Procedure, QuarantineEntry


def agencies(session: Session, agency_ids: Collection[int] | None) -> Sequence[Agency]:
    query = select(Agency).order_by(Agency.name, Agency.code)
    if agency_ids is not None:
        query = query.where(Agency.id.in_(list(agency_ids)))
    return session.scalars(query).all()


def procedures(session: Session) -> Sequence[Procedure]:
    return session.scalars(select(Procedure).order_by(Procedure.code)).all()


def fields(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Procedure.field_code, Procedure.field_name)
        .where(Procedure.field_code.is_not(None))
        .distinct()
        .order_by(Procedure.field_code)
    ).all()
    return [(code, name or code) for code, name in rows if code]


def quarantine_page(
    session: Session,
    status: str | None,
    agency_ids: Collection[int] | None,
    limit: int,
    offset: int,
) -> Sequence[QuarantineEntry]:
    """Newest first. With a scope, the entries whose record names one of those agencies
    (DonViXuLy or the envelope's madonvi) or whose code is one of their stored dossiers."""
    return scope_repository.list_quarantine(
        session, status, agency_ids, limit=limit, offset=offset, newest_first=True
    )


def quarantine_total(
    session: Session, status: str | None, agency_ids: Collection[int] | None
) -> int:
    return scope_repository.count_quarantine(session, status, agency_ids)
