"""`/giam-sat/phieu-xin-loi`: apology notices waiting for a supervisor (draft, approved, issued
but not yet public), with their total, the step each needs, and the PDF/DOCX of each.

Every button (draft from a dossier's page, approve, issue, publish, cancel) is a CSRF-protected
form post calling the notices services, which check the step and the scope and record who did
it. A button on a dossier's page brings the supervisor back to that page (`tro_ve=ho-so`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.api.deps import SessionDep
from app.auth.session_cookie import CSRF_FIELD
from app.core.clock import parse_instant, utcnow
from app.dashboard.access import Supervisor, check_csrf, page_context
from app.dashboard.errors import PageError, page_errors
from app.dashboard.templating import path_segment, render
from app.db.types import MAX_ROW_ID
from app.models import Notice
from app.notices import drafting, service
from app.notices.listing import count_notices, list_notices
from app.notices.numbering import notice_number
from app.notices.render import MEDIA_TYPES, NoticeFormat

router = APIRouter(prefix="/giam-sat/phieu-xin-loi", include_in_schema=False)

PATH = "/giam-sat/phieu-xin-loi"
PAGE_SIZE = 50
WAITING = ("draft", "approved", "issued")
DONE_MESSAGES = {
    "soan": "Đã soạn bản nháp phiếu số {so}. Phiếu chờ duyệt.",
    "duyet": "Đã duyệt phiếu số {so}. Phiếu chờ phát hành.",
    "phat-hanh": "Đã phát hành phiếu số {so}: hồ sơ được hẹn lại ngày trả kết quả. "
    "Công khai phiếu để đưa lên danh sách xin lỗi của trang công khai.",
    "cong-khai": "Đã công khai phiếu số {so} trên trang công khai.",
    "huy": "Đã hủy bản nháp phiếu số {so}.",
    "sua": "Đã sửa bản nháp phiếu số {so}.",
}
DOSSIER_PAGE = "/giam-sat/ho-so/"
Action = Callable[..., Notice]
Step = Literal["duyet", "phat-hanh", "cong-khai", "huy"]
# a button's step -> the workflow service it calls, and the page's words when it refuses
STEPS: dict[str, tuple[Action, str]] = {
    "duyet": (service.approve, "Không duyệt được phiếu xin lỗi."),
    "phat-hanh": (service.issue, "Không phát hành được phiếu xin lỗi."),
    "cong-khai": (service.publish, "Không công khai được phiếu xin lỗi."),
    "huy": (service.cancel, "Không hủy được bản nháp phiếu xin lỗi."),
}
NoticeId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("")
def notices_page(
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    da: Annotated[str | None, Query(max_length=20)] = None,
    so: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    with page_errors("Không đọc được danh sách phiếu xin lỗi."):
        page = list_notices(
            session, scope=principal.agency_ids, statuses=WAITING, cursor=cursor, limit=PAGE_SIZE
        )
        total = count_notices(session, scope=principal.agency_ids, statuses=WAITING)
    message = done_message(da, so)
    return render(
        request,
        "notices.html.j2",
        {
            **page_context(request, principal, "notices"),
            "items": page.items,
            "total": total,
            "next_url": f"{PATH}?{urlencode({'cursor': page.next_cursor})}"
            if page.next_cursor
            else None,
            "first_page": cursor is None,
            "message": message,
            "now": utcnow(),
        },
    )


def _done(session: Session, notice: Notice, done: str, back: str | None) -> Response:
    """Back to the list, or to the dossier's page the button was on (never a URL the form
    names: the target is built from the notice's own dossier)."""
    query = urlencode({"da": done, "so": notice_number(notice)})
    if back == "ho-so":
        row = service.load_row(session, notice.id, None)
        return RedirectResponse(
            f"{DOSSIER_PAGE}{path_segment(row.dossier.code)}?{query}", status_code=303
        )
    return RedirectResponse(f"{PATH}?{query}", status_code=303)


def done_message(done: str | None, number: str | None) -> str | None:
    """The confirmation a page shows after a step (None for an unknown step)."""
    return DONE_MESSAGES[done].format(so=number or "") if done in DONE_MESSAGES else None


CsrfForm = Annotated[str | None, Form(alias=CSRF_FIELD)]
BackForm = Annotated[str | None, Form(alias="tro_ve", max_length=10)]


@router.post("/soan")
def draft_notice(
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    dossier_code: Annotated[str | None, Form(alias="ma_ho_so", max_length=64)] = None,
    reason: Annotated[str | None, Form(alias="ly_do", max_length=4000)] = None,
    csrf: CsrfForm = None,
) -> Response:
    """A supervisor's draft for a dossier, from its page; the new date is proposed by the
    rules (counted from now), the reason is the supervisor's or the standard wording."""
    check_csrf(request, session, csrf)  # first: a forged form learns nothing, not even a 422
    if not dossier_code or not dossier_code.strip():
        raise PageError(422, "Không soạn được phiếu xin lỗi: chưa có mã hồ sơ.")
    with page_errors(f"Không soạn được phiếu xin lỗi cho hồ sơ {dossier_code}."):
        notice = drafting.create_draft(
            session, dossier_code, utcnow(), actor=principal.name,
            scope=principal.agency_ids, reason=reason if reason and reason.strip() else None,
        )
    return _done(session, notice, "soan", "ho-so")


@router.post("/{notice_id}/sua")
def edit_notice(
    notice_id: NoticeId,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    reason: Annotated[str | None, Form(alias="ly_do", max_length=4000)] = None,
    new_due: Annotated[str | None, Form(alias="hen_lai", max_length=40)] = None,
    signer_name: Annotated[str | None, Form(alias="nguoi_ky", max_length=255)] = None,
    signer_title: Annotated[str | None, Form(alias="chuc_vu", max_length=255)] = None,
    csrf: CsrfForm = None,
) -> Response:
    """Change a draft's reason, new date (local time, as the form's date-time field sends it)
    or signer; a field left as it was is not sent to the service as a change."""
    check_csrf(request, session, csrf)
    failure = "Không sửa được bản nháp phiếu xin lỗi."
    try:
        new_due_at = parse_instant(new_due) if new_due and new_due.strip() else None
    except ValueError:
        raise PageError(422, failure, f"Ngày hẹn lại “{new_due}” không đúng dạng.") from None
    with page_errors(failure):
        current = service.load_row(session, notice_id, principal.agency_ids).notice
        notice = service.edit(
            session, notice_id, utcnow(), actor=principal.name, scope=principal.agency_ids,
            reason=_changed(reason, current.reason),
            new_due_at=None if new_due_at is None or _minute(new_due_at) == _minute(
                current.new_due_at) else new_due_at,
            signer_name=_changed(signer_name, current.signer_name),
            signer_title=_changed(signer_title, current.signer_title),
        )
    return _done(session, notice, "sua", "ho-so")


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)  # the form's field has minutes


def _changed(value: str | None, current: str | None) -> str | None:
    text = (value or "").strip()
    return text if text and " ".join(text.split()) != " ".join((current or "").split()) else None


@router.get("/{notice_id}/tep.{fmt}")
def notice_file(
    notice_id: NoticeId,
    fmt: NoticeFormat,
    session: SessionDep,
    principal: Supervisor,
) -> Response:
    """The issued copy as stored, or a preview of a draft (its name says so)."""
    if fmt == "html":
        raise PageError(404, "Phiếu chỉ tải được dạng PDF hoặc DOCX.")
    with page_errors("Không tải được phiếu xin lỗi."):
        row = service.load_row(session, notice_id, principal.agency_ids)
        content, stored = service.file_content(session, row, fmt)
    number = notice_number(row.notice).replace("/", "-")
    name = f"phieu-xin-loi-{number}-{row.notice.year}{'' if stored else '-ban-xem-truoc'}.{fmt}"
    return Response(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# after /{notice_id}/sua: a path matching both is routed to the first one registered
@router.post("/{notice_id}/{step}")
def move_notice(
    notice_id: NoticeId,
    step: Step,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    csrf: CsrfForm = None,
    back: BackForm = None,
) -> Response:
    """Approve (duyet), issue (phat-hanh), publish (cong-khai) or cancel (huy) a notice."""
    action, failure = STEPS[step]
    check_csrf(request, session, csrf)
    with page_errors(failure):
        notice = action(
            session, notice_id, utcnow(), actor=principal.name, scope=principal.agency_ids
        )
    return _done(session, notice, step, back)
