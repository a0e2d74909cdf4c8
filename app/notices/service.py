"""The apology-notice workflow: draft -> approved -> issued -> published, or draft -> cancelled.

Every step is checked against the current status (an illegal step is a 409 with the reason),
recorded in notice_event with who and when, and scoped to the caller's agencies. Issuing
re-appoints the dossier once (`reappointed_due_at`), stores the rendered PDF and DOCX with their
SHA-256, and queues a "notice issued" notification.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Collection
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from app.agencies.service import title_lines
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.deadlines.status import FINISHED
from app.deadlines.store.sync import DeadlineContext, load_context
from app.delivery.service import enqueue
from app.models import Notice
from app.notices import repository
from app.notices.builder import build_document
from app.notices.drafting import check_new_due, clean_reason
from app.notices.numbering import notice_number
from app.notices.render import NoticeFormat, render
from app.notices.repository import NoticeRow
from app.notices.timing import issued_in_time

AUTO_ACTOR: Final = "auto"
STORED_FORMATS: Final = ("pdf", "docx")

# action -> (statuses it may start from, status it leads to)
STEPS: Final[dict[str, tuple[frozenset[str], str | None]]] = {
    "edit": (frozenset({"draft"}), None),
    "approve": (frozenset({"draft"}), "approved"),
    "cancel": (frozenset({"draft"}), "cancelled"),
    "issue": (frozenset({"approved"}), "issued"),
    "publish": (frozenset({"issued"}), "published"),
}
EVENT_NAMES: Final = {
    "edit": "edited",
    "approve": "approved",
    "cancel": "cancelled",
    "issue": "issued",
    "publish": "published",
}
_HINTS: Final[dict[tuple[str, str], str]] = {
    ("issue", "draft"): "it must be approved first",
    ("publish", "draft"): "it must be approved and issued first",
    ("publish", "approved"): "it must be issued first",
    ("cancel", "approved"): "only a draft can be cancelled",
    ("cancel", "issued"): "an issued notice was sent to the applicant and stays on record",
    ("cancel", "published"): "an issued notice was sent to the applicant and stays on record",
    ("edit", "approved"): "only a draft can be edited; the approved text is what gets issued",
}


def _actor(actor: str) -> str:
    name = " ".join(actor.split())
    if not name:
        raise ValidationFailed("who does this must be named", field="actor")
    return name[:128]


def _text(value: str, field: str, limit: int) -> str:
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text or len(text) > limit:
        raise ValidationFailed(f"{field} must be 1-{limit} characters", field=field)
    return text


def load_row(session: Session, notice_id: int, scope: Collection[int] | None) -> NoticeRow:
    row = repository.get_row(session, notice_id)
    if row is None:
        raise NotFound(f"no notice with id {notice_id}")
    if scope is not None and row.notice.issuing_agency_id not in scope:
        raise Forbidden(f"notice {notice_id} belongs to another agency")
    return row


def _start(
    session: Session, notice_id: int, action: str, scope: Collection[int] | None
) -> NoticeRow:
    # Lock first so two approvers (or an approver and a canceller) cannot both act.
    if repository.get_for_update(session, notice_id) is None:
        raise NotFound(f"no notice with id {notice_id}")
    row = load_row(session, notice_id, scope)
    allowed, _ = STEPS[action]
    status = row.notice.status
    if status not in allowed:
        hint = _HINTS.get((action, status), f"only a {' or '.join(sorted(allowed))} notice can")
        raise Conflict(
            f"notice {notice_number(row.notice)} is {status}; cannot {action}: {hint}",
            notice_id=notice_id,
            status=status,
            action=action,
        )
    return row


def _move(
    session: Session,
    row: NoticeRow,
    action: str,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> Notice:
    target = STEPS[action][1]
    if target is not None:
        row.notice.status = target
    row.notice.updated_at = now
    repository.add_event(session, row.notice, EVENT_NAMES[action], actor, now, note)
    return row.notice


def edit(
    session: Session,
    notice_id: int,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
    reason: str | None = None,
    new_due_at: datetime | None = None,
    signer_name: str | None = None,
    signer_title: str | None = None,
) -> Notice:
    """Change a draft's reason, new date or signer."""
    row = _start(session, notice_id, "edit", scope)
    notice, changed = row.notice, []
    if reason is not None:
        notice.reason = clean_reason(reason)
        changed.append("reason")
    if new_due_at is not None:
        notice.new_due_at = check_new_due(new_due_at, notice.original_due_at)
        changed.append("new_due_at")
    if signer_name is not None:
        notice.signer_name = _text(signer_name, "signer_name", 255)
        changed.append("signer_name")
    if signer_title is not None:
        # the title keeps its lines ("KT. GIÁM ĐỐC" above "PHÓ GIÁM ĐỐC"), as the agency's does
        _text(signer_title, "signer_title", 255)
        notice.signer_title = title_lines(signer_title)
        changed.append("signer_title")
    if not changed:
        raise ValidationFailed("nothing to change: give a reason, new_due_at or signer")
    return _move(session, row, "edit", _actor(actor), now, ", ".join(changed))


def approve(
    session: Session,
    notice_id: int,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
) -> Notice:
    row = _start(session, notice_id, "approve", scope)
    who = _actor(actor)
    row.notice.approved_by, row.notice.approved_at = who, now
    return _move(session, row, "approve", who, now)


def cancel(
    session: Session,
    notice_id: int,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
    note: str | None = None,
) -> Notice:
    row = _start(session, notice_id, "cancel", scope)
    return _move(session, row, "cancel", _actor(actor), now, note)


def issue(
    session: Session,
    notice_id: int,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
    context: DeadlineContext | None = None,
) -> Notice:
    """Send the approved notice: re-appoint the dossier, store the files, notify."""
    row = _start(session, notice_id, "issue", scope)
    notice, dossier = row.notice, row.dossier
    if dossier.finished_at is not None or dossier.status in FINISHED:
        raise Conflict(f"dossier {dossier.code} is already finished; the apology is moot")
    if dossier.reappointed_due_at is not None:
        raise Conflict(f"dossier {dossier.code} was already re-appointed once")
    who = _actor(actor)
    context = context or load_context(session)
    notice.issued_by, notice.issued_at = who, now
    notice.signer_name = notice.signer_name or who
    notice.issued_in_time = issued_in_time(context.calendar, now, notice.original_due_at)
    dossier.reappointed_due_at = notice.new_due_at
    document = build_document(session, row)
    for fmt in STORED_FORMATS:
        content = render(document, fmt)
        digest = hashlib.sha256(content).hexdigest()
        repository.put_file(session, notice, fmt, content, digest, now)
    enqueue(
        session,
        key=f"notice_issued:{notice.id}",
        kind="notice_issued",
        channel="webhook",
        payload={
            "event": "notice_issued",
            "notice_id": notice.id,
            "number": notice_number(notice),
            "dossier_code": dossier.code,
            "agency_code": row.agency.code,
            "procedure_code": row.procedure.code,
            "original_due_at": notice.original_due_at.isoformat(),
            "new_due_at": notice.new_due_at.isoformat(),
            "issued_at": now.isoformat(),
            "issued_in_time": notice.issued_in_time,
        },
        now=now,
    )
    note = None if notice.issued_in_time else "issued later than one working day before the due"
    return _move(session, row, "issue", who, now, note)


def publish(
    session: Session,
    notice_id: int,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
) -> Notice:
    row = _start(session, notice_id, "publish", scope)
    row.notice.published_at = now
    return _move(session, row, "publish", _actor(actor), now)


def file_content(session: Session, row: NoticeRow, fmt: NoticeFormat) -> tuple[bytes, bool]:
    """The notice as a file: the copy stored when it was issued (True), else a preview of the
    draft or approved text rendered now (False), which is what the signer would print."""
    stored = repository.file_of(session, row.notice.id, fmt)
    if stored is not None:
        return stored.content, True
    return render(build_document(session, row), fmt), False
