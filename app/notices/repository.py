"""SQL for apology notices: rows, events, files, numbering and the lists."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.models import (
    Agency,
    AgencySigner,
    Dossier,
    DossierApplicant,
    Notice,
    NoticeEvent,
    NoticeFile,
    Procedure,
)


@dataclass(frozen=True)
class NoticeRow:
    """A notice with what every view shows beside it."""

    notice: Notice
    dossier: Dossier
    procedure: Procedure
    agency: Agency


def get(session: Session, notice_id: int) -> Notice | None:
    return session.get(Notice, notice_id)


def get_for_update(session: Session, notice_id: int) -> Notice | None:
    """The notice, locked on PostgreSQL so two approvers cannot both move it (SQLite locks the
    whole database on write anyway)."""
    return session.scalars(select(Notice).where(Notice.id == notice_id).with_for_update()).first()


def get_row(session: Session, notice_id: int) -> NoticeRow | None:
    found = session.execute(_joined().where(Notice.id == notice_id)).first()
    return NoticeRow(found[0], found[1], found[2], found[3]) if found else None


def for_dossier(session: Session, dossier_id: int) -> Notice | None:
    return session.scalars(select(Notice).where(Notice.dossier_id == dossier_id)).first()


def for_dossiers(session: Session, dossier_ids: Sequence[int]) -> dict[int, Notice]:
    if not dossier_ids:
        return {}
    rows = session.scalars(select(Notice).where(Notice.dossier_id.in_(list(dossier_ids))))
    return {n.dossier_id: n for n in rows}


def max_number(session: Session, agency_id: int, year: int) -> int:
    found = session.scalar(
        select(func.max(Notice.number)).where(
            Notice.issuing_agency_id == agency_id, Notice.year == year
        )
    )
    return int(found or 0)


def max_numbers(session: Session, agency_ids: Collection[int], year: int) -> dict[int, int]:
    """`max_number` of each of these agencies (absent: none yet)."""
    rows = session.execute(
        select(Notice.issuing_agency_id, func.max(Notice.number))
        .where(Notice.issuing_agency_id.in_(sorted(agency_ids)), Notice.year == year)
        .group_by(Notice.issuing_agency_id)
    )
    return {int(agency): int(number) for agency, number in rows}


def add_all(session: Session, notices: Sequence[Notice]) -> None:
    """Inserted in this order, in one flush."""
    session.add_all(notices)
    session.flush()


def add(session: Session, notice: Notice) -> Notice:
    session.add(notice)
    session.flush()
    return notice


def add_event(
    session: Session, notice: Notice, action: str, actor: str, at: datetime, note: str | None,
    *, flush: bool = True,
) -> NoticeEvent:
    """`flush=False`: written with the next flush, in the order added (the scan's drafts)."""
    event = NoticeEvent(notice_id=notice.id, action=action, actor=actor, at=at, note=note)
    session.add(event)
    if flush:
        session.flush()
    return event


def events(session: Session, notice_id: int) -> Sequence[NoticeEvent]:
    return session.scalars(
        select(NoticeEvent)
        .where(NoticeEvent.notice_id == notice_id)
        .order_by(NoticeEvent.at, NoticeEvent.id)
    ).all()


def put_file(
    session: Session, notice: Notice, fmt: str, content: bytes, sha256: str, now: datetime
) -> NoticeFile:
    existing = file_of(session, notice.id, fmt)
    if existing is not None:
        existing.content, existing.sha256, existing.created_at = content, sha256, now
        session.flush()
        return existing
    row = NoticeFile(
        notice_id=notice.id, format=fmt, content=content, sha256=sha256, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def file_of(session: Session, notice_id: int, fmt: str) -> NoticeFile | None:
    return session.scalars(
        select(NoticeFile).where(NoticeFile.notice_id == notice_id, NoticeFile.format == fmt)
    ).first()


def file_formats(session: Session, notice_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(NoticeFile.format, NoticeFile.sha256)
        .where(NoticeFile.notice_id == notice_id)
        .order_by(NoticeFile.format)
    ).all()
    return [(fmt, digest) for fmt, digest in rows]


def applicant(session: Session, dossier_id: int) -> DossierApplicant | None:
    return session.get(DossierApplicant, dossier_id)


def applicant_names(session: Session, dossier_ids: Sequence[int]) -> dict[int, str | None]:
    """Only the names (for masking): phone, e-mail and ID numbers are never loaded here."""
    if not dossier_ids:
        return {}
    rows = session.execute(
        select(DossierApplicant.dossier_id, DossierApplicant.name).where(
            DossierApplicant.dossier_id.in_(list(dossier_ids))
        )
    ).all()
    return {dossier_id: name for dossier_id, name in rows}


def signer_of(session: Session, agency_id: int) -> AgencySigner | None:
    return session.get(AgencySigner, agency_id)


def signers_of(session: Session, agency_ids: Collection[int]) -> dict[int, AgencySigner | None]:
    """Each agency's signer (None: it has none) with one query: an agency without one is not
    in the identity map, so `signer_of` would ask the database again for each of its drafts."""
    found = {signer.agency_id: signer for signer in session.scalars(
        select(AgencySigner).where(AgencySigner.agency_id.in_(sorted(agency_ids))))}
    return {agency_id: found.get(agency_id) for agency_id in agency_ids}


def agency(session: Session, agency_id: int | None) -> Agency | None:
    return session.get(Agency, agency_id) if agency_id is not None else None


def _joined() -> Select[Notice, Dossier, Procedure, Agency]:
    return (
        select(Notice, Dossier, Procedure, Agency)
        .join(Dossier, Dossier.id == Notice.dossier_id)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Agency, Agency.id == Notice.issuing_agency_id)
    )


@dataclass(frozen=True)
class NoticeFilters:
    agency_ids: Collection[int] | None = None  # None: every agency
    statuses: Collection[str] | None = None
    dossier_code: str | None = None
    year: int | None = None


def _conditions(filters: NoticeFilters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.agency_ids is not None:
        found.append(Notice.issuing_agency_id.in_(list(filters.agency_ids)))
    if filters.statuses:
        found.append(Notice.status.in_(list(filters.statuses)))
    if filters.dossier_code:
        found.append(Dossier.code == filters.dossier_code)
    if filters.year is not None:
        found.append(Notice.year == filters.year)
    return found


def count_rows(session: Session, filters: NoticeFilters) -> int:
    """How many notices the filters select (a work list's total)."""
    query = select(func.count(Notice.id)).join(Dossier, Dossier.id == Notice.dossier_id)
    return session.scalar(query.where(*_conditions(filters))) or 0


def list_rows(
    session: Session, filters: NoticeFilters, after_id: int | None, limit: int, newest_first: bool
) -> list[NoticeRow]:
    """A page by keyset on id (newest first for the public list, oldest first otherwise)."""
    query = _joined().where(*_conditions(filters))
    if after_id is not None:
        query = query.where(Notice.id < after_id if newest_first else Notice.id > after_id)
    order = Notice.id.desc() if newest_first else Notice.id
    found = session.execute(query.order_by(order).limit(limit)).all()
    return [NoticeRow(n, d, p, a) for n, d, p, a in found]
