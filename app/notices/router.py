"""The notices API: staff workflow under /api/v1/notices, and the public list of apologies.

Reading needs a viewer token; every change needs a supervisor (of the notice's agency subtree)
or an admin. The public list needs no token and shows no personal data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from app.api.deps import SessionDep
from app.auth.deps import Principal, require_roles
from app.core.clock import utcnow
from app.core.errors import NotFound
from app.db.types import MAX_ROW_ID
from app.notices import drafting, listing, repository, service
from app.notices.numbering import notice_number
from app.notices.render import MEDIA_TYPES
from app.notices.schemas import (
    NoticeCancel,
    NoticeCreate,
    NoticeDetailOut,
    NoticePage,
    NoticePatch,
    PublicApologyPage,
)

router = APIRouter(prefix="/api/v1/notices", tags=["notices"])
public_router = APIRouter(prefix="/api/v1/public", tags=["public"])

Viewer = Annotated[Principal, Depends(require_roles("viewer"))]
Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]
# The id column is a 32-bit integer: a larger id cannot exist and must not reach the database.
NoticeId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Action = Literal["approve", "issue", "publish"]


def _scope(principal: Principal) -> frozenset[int] | None:
    return principal.agency_ids


@router.get("", response_model=NoticePage, summary="Notices in your agencies, oldest first")
def list_notices(
    session: SessionDep,
    principal: Viewer,
    status: Annotated[list[str] | None, Query(description="draft, approved, issued…")] = None,
    dossier_code: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_LIMIT)] = 100,
) -> NoticePage:
    return listing.list_notices(
        session,
        scope=_scope(principal),
        statuses=status,
        dossier_code=dossier_code,
        year=year,
        cursor=cursor,
        limit=limit,
    )


@router.post("", response_model=NoticeDetailOut, status_code=201, summary="Draft a notice")
def create_notice(
    body: NoticeCreate, session: SessionDep, principal: Supervisor
) -> NoticeDetailOut:
    notice = drafting.create_draft(
        session,
        body.dossier_code,
        utcnow(),
        actor=principal.name,
        scope=_scope(principal),
        reason=body.reason,
        new_due_at=body.new_due_at,
    )
    return listing.detail(session, notice.id, _scope(principal))


@router.get("/{notice_id}", response_model=NoticeDetailOut, summary="One notice and its history")
def get_notice(notice_id: NoticeId, session: SessionDep, principal: Viewer) -> NoticeDetailOut:
    return listing.detail(session, notice_id, _scope(principal))


@router.patch("/{notice_id}", response_model=NoticeDetailOut, summary="Edit a draft")
def edit_notice(
    notice_id: NoticeId, body: NoticePatch, session: SessionDep, principal: Supervisor
) -> NoticeDetailOut:
    service.edit(
        session,
        notice_id,
        utcnow(),
        actor=principal.name,
        scope=_scope(principal),
        reason=body.reason,
        new_due_at=body.new_due_at,
        signer_name=body.signer_name,
        signer_title=body.signer_title,
    )
    return listing.detail(session, notice_id, _scope(principal))


@router.post("/{notice_id}/cancel", response_model=NoticeDetailOut, summary="Cancel a draft")
def cancel_notice(
    notice_id: NoticeId,
    session: SessionDep,
    principal: Supervisor,
    body: NoticeCancel | None = None,
) -> NoticeDetailOut:
    note = body.note if body else None
    service.cancel(
        session, notice_id, utcnow(), actor=principal.name, scope=_scope(principal), note=note
    )
    return listing.detail(session, notice_id, _scope(principal))


@router.post(
    "/{notice_id}/{action}",
    response_model=NoticeDetailOut,
    summary="Approve a draft, issue an approved notice, or publish an issued one",
)
def move_notice(
    notice_id: NoticeId, action: Action, session: SessionDep, principal: Supervisor
) -> NoticeDetailOut:
    step = {"approve": service.approve, "issue": service.issue, "publish": service.publish}
    step[action](session, notice_id, utcnow(), actor=principal.name, scope=_scope(principal))
    return listing.detail(session, notice_id, _scope(principal))


@router.get("/{notice_id}/files/{fmt}", summary="The PDF or DOCX stored when it was issued")
def download_file(
    notice_id: NoticeId, fmt: Literal["pdf", "docx"], session: SessionDep, principal: Viewer
) -> Response:
    row = service.load_row(session, notice_id, _scope(principal))
    stored = repository.file_of(session, notice_id, fmt)
    if stored is None:
        raise NotFound(f"notice {notice_id} has no {fmt} file: files are stored when it is issued")
    name = f"phieu-xin-loi-{notice_number(row.notice).replace('/', '-')}-{row.notice.year}.{fmt}"
    return Response(
        content=stored.content,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": stored.sha256,
        },
    )


@public_router.get(
    "/apologies",
    response_model=PublicApologyPage,
    summary="Published apology notices (no personal data)",
)
def public_apologies(
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PublicApologyPage:
    return listing.public_apologies(session, cursor=cursor, limit=limit)
