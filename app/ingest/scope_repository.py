"""Which quarantine entries and ingest runs a caller limited to some agencies may see (SQL).

A quarantined record often has no stored dossier (that may be why it is quarantined), so it
belongs to the agencies the record itself names: its DonViXuLy (a code, or a name that no other
agency bears) or the madonvi of the envelope that brought it, or else the agency of a stored
dossier with its code. An ingest run belongs to the agency that sent it (webhook deliveries);
pulls and file imports carry every agency's records and belong to no one but the admins.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from app.models import Agency, Dossier, IngestRun, QuarantineEntry


def _codes(agency_ids: Collection[int]) -> ColumnElement[bool]:
    return Agency.id.in_(list(agency_ids))


def quarantine_visible_to(agency_ids: Collection[int]) -> ColumnElement[bool]:
    ids = list(agency_ids)
    codes = select(Agency.code).where(_codes(ids))
    shared_names = select(Agency.name).group_by(Agency.name).having(func.count() > 1)
    unique_names = select(Agency.name).where(_codes(ids), Agency.name.not_in(shared_names))
    own_dossier = exists().where(
        Dossier.code == QuarantineEntry.dossier_code, Dossier.agency_id.in_(ids)
    )
    return or_(
        QuarantineEntry.named_agency.in_(codes),
        QuarantineEntry.named_agency.in_(unique_names),
        QuarantineEntry.sender_agency.in_(codes),
        own_dossier,
    )


def count_quarantine(
    session: Session, status: str | None, agency_ids: Collection[int] | None
) -> int:
    """How many entries of ``status`` (None: all) ``agency_ids`` may see (None: every entry)."""
    query = select(func.count(QuarantineEntry.id))
    if status is not None:
        query = query.where(QuarantineEntry.status == status)
    if agency_ids is not None:
        query = query.where(quarantine_visible_to(agency_ids))
    return session.scalar(query) or 0


def list_quarantine(
    session: Session,
    status: str | None,
    agency_ids: Collection[int] | None,
    *,
    ids: Sequence[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[QuarantineEntry]:
    """Entries by status (None: all) that ``agency_ids`` may see (None: every entry)."""
    query = select(QuarantineEntry)
    if status is not None:
        query = query.where(QuarantineEntry.status == status)
    if ids is not None:
        query = query.where(QuarantineEntry.id.in_(list(ids)))
    if agency_ids is not None:
        query = query.where(quarantine_visible_to(agency_ids))
    if newest_first:
        query = query.order_by(QuarantineEntry.last_seen_at.desc(), QuarantineEntry.id.desc())
    else:
        query = query.order_by(QuarantineEntry.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query.offset(offset)))


def list_runs(
    session: Session, source: str | None, agency_ids: Collection[int] | None, limit: int
) -> list[IngestRun]:
    query = select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)
    if source is not None:
        query = query.where(IngestRun.source == source)
    if agency_ids is not None:
        query = query.where(IngestRun.agency_code.in_(select(Agency.code).where(
            _codes(agency_ids))))
    return list(session.scalars(query))
