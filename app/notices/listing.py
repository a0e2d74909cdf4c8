"""Read views of notices: the staff list and detail, and the public list of apologies."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.core.privacy import mask_name
from app.db.types import MAX_ROW_ID
from app.notices import repository
from app.notices.numbering import notice_number
from app.notices.repository import NoticeFilters, NoticeRow
from app.notices.schemas import (
    NoticeDetailOut,
    NoticeEventOut,
    NoticeFileOut,
    NoticeOut,
    NoticePage,
    PublicApologyOut,
    PublicApologyPage,
)
from app.notices.service import load_row

STATUSES = ("draft", "approved", "issued", "published", "cancelled")
PUBLIC_STATUSES = ("published",)
MAX_LIMIT = 500
HIDDEN_APPLICANT = "(ẩn danh)"


def check_statuses(statuses: Collection[str] | None) -> list[str] | None:
    if not statuses:
        return None
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise ValidationFailed(
            f"unknown notice status {', '.join(unknown)}; use {', '.join(STATUSES)}",
            field="status",
        )
    return list(statuses)


def _cursor(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_ROW_ID:
        raise ValidationFailed("cursor is not one this API returned", field="cursor")
    return int(text)


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def notice_out(row: NoticeRow) -> NoticeOut:
    n = row.notice
    return NoticeOut(
        id=n.id,
        dossier_code=row.dossier.code,
        status=n.status,
        number=notice_number(n),
        year=n.year,
        agency_code=row.agency.code,
        agency_name=row.agency.name,
        procedure_code=row.procedure.code,
        procedure_name=row.procedure.name,
        legal_basis=n.legal_basis,
        reason=n.reason,
        original_due_at=n.original_due_at,
        new_due_at=n.new_due_at,
        signer_name=n.signer_name,
        signer_title=n.signer_title,
        approved_by=n.approved_by,
        approved_at=n.approved_at,
        issued_by=n.issued_by,
        issued_at=n.issued_at,
        issued_in_time=n.issued_in_time,
        published_at=n.published_at,
        created_at=n.created_at,
        updated_at=n.updated_at,
    )


def detail(session: Session, notice_id: int, scope: Collection[int] | None) -> NoticeDetailOut:
    row = load_row(session, notice_id, scope)
    events = [
        NoticeEventOut(action=e.action, actor=e.actor, at=e.at, note=e.note)
        for e in repository.events(session, notice_id)
    ]
    files = [
        NoticeFileOut(format=fmt, sha256=digest, url=f"/api/v1/notices/{notice_id}/files/{fmt}")
        for fmt, digest in repository.file_formats(session, notice_id)
    ]
    return NoticeDetailOut(**notice_out(row).model_dump(), events=events, files=files)


def list_notices(
    session: Session,
    *,
    scope: Collection[int] | None,
    statuses: Collection[str] | None = None,
    dossier_code: str | None = None,
    year: int | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> NoticePage:
    """Oldest first (the register's order); `next_cursor` continues after the last one."""
    filters = NoticeFilters(
        agency_ids=scope,
        statuses=check_statuses(statuses),
        dossier_code=dossier_code,
        year=year,
    )
    rows = repository.list_rows(session, filters, _cursor(cursor), _limit(limit) + 1, False)
    page = rows[:limit]
    more = len(rows) > limit and page
    return NoticePage(
        items=[notice_out(r) for r in page], next_cursor=str(page[-1].notice.id) if more else None
    )


def count_notices(
    session: Session, *, scope: Collection[int] | None, statuses: Collection[str] | None = None
) -> int:
    """The total a work list of notices shows above its first page."""
    filters = NoticeFilters(agency_ids=scope, statuses=check_statuses(statuses))
    return repository.count_rows(session, filters)


def public_apologies(
    session: Session, *, cursor: str | None = None, limit: int = 50
) -> PublicApologyPage:
    """Published apologies, newest first. Only the applicant's name is read, and masked."""
    filters = NoticeFilters(statuses=PUBLIC_STATUSES)
    rows = repository.list_rows(session, filters, _cursor(cursor), _limit(limit) + 1, True)
    page = rows[:limit]
    names = repository.applicant_names(session, [r.dossier.id for r in page])
    items = [
        PublicApologyOut(
            number=notice_number(r.notice),
            dossier_code=r.dossier.code,
            procedure_name=r.procedure.name,
            agency_name=r.agency.name,
            applicant=mask_name(names.get(r.dossier.id) or "") or HIDDEN_APPLICANT,
            original_due_at=r.notice.original_due_at,
            new_due_at=r.notice.new_due_at,
            reason=r.notice.reason,
            issued_at=r.notice.issued_at,
            published_at=r.notice.published_at,
        )
        for r in page
    ]
    more = len(rows) > limit and page
    return PublicApologyPage(items=items, next_cursor=str(page[-1].notice.id) if more else None)
