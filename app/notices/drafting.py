"""Drafting apology notices: by the scan for dossiers at risk, or by a supervisor by hand.

One notice per dossier, because the return date may be re-set only once (NOTICES.md): a second
notice is refused with the reason, and a dossier that misses its new date is escalated by the
scan instead. Only a cancelled draft (never sent) may be drafted again, on the same row and
register number, so its history stays in one place.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from app.agencies import repository as agency_repository
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.deadlines import ProcessingTime
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.status import EXCLUDED, FINISHED
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.open_rows import ReadDossier
from app.deadlines.store.sync import (
    DeadlineContext,
    load_context,
    procedure_rule,
)
from app.models import AgencySigner, Dossier, Notice, Procedure
from app.notices import numbering, repository
from app.notices.render.document import legal_basis_for
from app.notices.timing import propose_new_due

DEFAULT_REASON = (
    "Hồ sơ cần thêm thời gian thẩm định, xác minh theo quy định nên chưa thể giải quyết "
    "đúng thời hạn đã hẹn."
)
MAX_REASON_CHARS = 2000


def clean_reason(reason: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", reason).split())
    if not text:
        raise ValidationFailed("the reason for the delay must not be empty", field="reason")
    if len(text) > MAX_REASON_CHARS:
        raise ValidationFailed(
            f"the reason is {len(text)} characters; at most {MAX_REASON_CHARS}", field="reason"
        )
    return text


def check_new_due(new_due_at: datetime, original_due_at: datetime) -> datetime:
    if new_due_at.tzinfo is None or new_due_at.utcoffset() is None:
        raise ValidationFailed("new_due_at must carry a timezone", field="new_due_at")
    # checked before comparing: year 9999 at UTC-12 is beyond what a datetime can hold in UTC
    if not MIN_YEAR < new_due_at.year < MAX_YEAR:
        raise ValidationFailed(
            f"new_due_at must fall within {MIN_YEAR + 1}–{MAX_YEAR - 1}", field="new_due_at"
        )
    if new_due_at <= original_due_at:
        raise ValidationFailed(
            f"the new date {new_due_at.isoformat()} must be after the legal due "
            f"{original_due_at.isoformat()}",
            field="new_due_at",
        )
    return new_due_at


def refusal_for_existing(dossier: Dossier, notice: Notice) -> Conflict:
    number = numbering.notice_number(notice)
    return Conflict(
        f"dossier {dossier.code} already has apology notice {number} ({notice.status}): the "
        "return date may be re-set only once; a dossier that misses its new date is escalated "
        "to the agency head instead of being re-appointed",
        notice_id=notice.id,
        dossier_code=dossier.code,
    )


def _proposal(
    dossier: ReadDossier,
    procedure: Procedure | None,
    context: DeadlineContext,
    extension: ProcessingTime | None,
    now: datetime,
) -> tuple[datetime, datetime]:
    if dossier.due_at is None:
        raise Conflict(
            f"dossier {dossier.code} is paused before its due; the due moves when it resumes"
        )
    own = procedure_rule(procedure).processing_time
    # Counted from the legal due, or from now for a late apology drafted after the due: a new
    # appointment in the past would promise nothing.
    new_due = propose_new_due(
        max(dossier.due_at, now),
        context.calendar,
        context.schedule_for(dossier.agency_id),
        extension or own,
    )
    return dossier.due_at, new_due


def _builder(
    session: Session,
    dossier: ReadDossier,
    procedure: Procedure | None,
    now: datetime,
    context: DeadlineContext,
    reason: str | None,
    new_due_at: datetime | None,
    extension: ProcessingTime | None,
    signers: dict[int, AgencySigner | None],
) -> Callable[[int], Notice]:
    """The draft of `dossier` given its register number; `signers` remembers each agency's."""
    original, proposed = _proposal(dossier, procedure, context, extension, now)
    new_due = check_new_due(new_due_at, original) if new_due_at else proposed
    text = clean_reason(reason) if reason is not None else DEFAULT_REASON
    year = numbering.register_year(now)
    # The signer and symbol the agency has now; a draft's signer stays editable.
    agency = agency_repository.agency_of(session, dossier.agency_id)
    if dossier.agency_id not in signers:
        signers[dossier.agency_id] = repository.signer_of(session, dossier.agency_id)
    signer = signers[dossier.agency_id]

    def build(number: int) -> Notice:
        return Notice(
            dossier_id=dossier.id,
            issuing_agency_id=dossier.agency_id,
            year=year,
            number=number,
            symbol=numbering.register_symbol(agency, signer),
            signer_name=signer.signer_name if signer else None,
            signer_title=signer.signer_title if signer else None,
            status="draft",
            legal_basis=legal_basis_for(dossier.received_at).value,
            reason=text,
            original_due_at=original,
            new_due_at=new_due,
            created_at=now,
            updated_at=now,
        )

    return build


def insert_draft(
    session: Session,
    dossier: Dossier,
    procedure: Procedure | None,
    now: datetime,
    *,
    actor: str,
    context: DeadlineContext,
    reason: str | None = None,
    new_due_at: datetime | None = None,
    extension: ProcessingTime | None = None,
) -> Notice | None:
    """A new draft for a dossier without a notice; None if another drafter got there first."""
    build = _builder(session, dossier, procedure, now, context, reason, new_due_at, extension, {})
    year = numbering.register_year(now)
    notice = numbering.insert_numbered(session, dossier.id, dossier.agency_id, year, build)
    if notice is not None:
        repository.add_event(session, notice, "drafted", actor, now, None)
    return notice


def insert_drafts(
    session: Session,
    drafts: Sequence[tuple[ReadDossier, Procedure | None, str | None]],
    now: datetime,
    *,
    actor: str,
    context: DeadlineContext,
    extension: ProcessingTime | None = None,
) -> list[Notice | None]:
    """`insert_draft` for many dossiers without a notice, (dossier, procedure, reason) each:
    numbered together and inserted in one statement (the scan drafts hundreds at once), the
    same rows as one at a time. Returns their drafts in order, None where another drafter got
    there first; the caller adds each one's "drafted" event (`repository.add_event`)."""
    signers = repository.signers_of(session, {dossier.agency_id for dossier, _, _ in drafts})
    built = [
        (dossier.id, dossier.agency_id,
         _builder(session, dossier, procedure, now, context, reason, None, extension, signers))
        for dossier, procedure, reason in drafts
    ]
    return numbering.insert_numbered_many(session, built, numbering.register_year(now))


def create_draft(
    session: Session,
    dossier_code: str,
    now: datetime,
    *,
    actor: str,
    scope: Collection[int] | None = None,
    reason: str | None = None,
    new_due_at: datetime | None = None,
    extension: ProcessingTime | None = None,
    context: DeadlineContext | None = None,
) -> Notice:
    """A supervisor's draft for one dossier; 409 with the reason when it may not have one."""
    dossier = clock_repository.get_by_code(session, dossier_code)
    if dossier is None:
        raise NotFound(f"no dossier with code {dossier_code!r}")
    if scope is not None and dossier.agency_id not in scope:
        raise Forbidden(f"dossier {dossier.code} belongs to another agency")
    if dossier.finished_at is not None or dossier.status in FINISHED:
        raise Conflict(f"dossier {dossier.code} is finished; there is nothing to re-appoint")
    if dossier.status in EXCLUDED:
        raise Conflict(f"dossier {dossier.code} has status {dossier.status}, not in processing")
    context = context or load_context(session)
    procedure = clock_repository.procedures_by_id(session, [dossier.procedure_id]).get(
        dossier.procedure_id
    )
    existing = repository.for_dossier(session, dossier.id)
    if existing is not None:
        if existing.status != "cancelled":
            raise refusal_for_existing(dossier, existing)
        return _redraft(
            session,
            existing,
            dossier,
            procedure,
            now,
            actor,
            context,
            reason,
            new_due_at,
            extension,
        )
    notice = insert_draft(
        session,
        dossier,
        procedure,
        now,
        actor=actor,
        context=context,
        reason=reason,
        new_due_at=new_due_at,
        extension=extension,
    )
    if notice is None:
        raced = repository.for_dossier(session, dossier.id)
        assert raced is not None  # insert_draft returns None only when one exists
        raise refusal_for_existing(dossier, raced)
    return notice


def _redraft(
    session: Session,
    notice: Notice,
    dossier: Dossier,
    procedure: Procedure | None,
    now: datetime,
    actor: str,
    context: DeadlineContext,
    reason: str | None,
    new_due_at: datetime | None,
    extension: ProcessingTime | None,
) -> Notice:
    original, proposed = _proposal(dossier, procedure, context, extension, now)
    notice.status = "draft"
    notice.original_due_at = original
    notice.new_due_at = check_new_due(new_due_at, original) if new_due_at else proposed
    notice.reason = clean_reason(reason) if reason is not None else DEFAULT_REASON
    notice.approved_by = notice.approved_at = None
    notice.updated_at = now
    repository.add_event(session, notice, "redrafted", actor, now, None)
    session.flush()
    return notice
