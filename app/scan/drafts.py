"""The scan's apology drafts: each dossier at risk (open, not paused, due within one working
day, no notice) gets a draft, numbered with the batch's, naming the step that ate the time
(§8), and approved at once as "auto" where its agency says so."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from app.deadlines import ProcessingTime
from app.deadlines.store import repository as clock_repository
from app.deadlines.store.open_rows import OpenDossier
from app.deadlines.store.sync import DeadlineContext
from app.notices import repository as notice_repository
from app.notices import service as notice_service
from app.notices.drafting import DEFAULT_REASON, insert_drafts
from app.scan import repository
from app.scan.steps import Blame

SCAN_ACTOR = "scan"


def draft_at_risk(
    session: Session,
    dossiers: Sequence[OpenDossier],
    now: datetime,
    context: DeadlineContext,
    extension: ProcessingTime | None,
    blames: dict[int, Blame | None] | None = None,
) -> tuple[int, int]:
    """Draft the dossiers' apologies; (how many were drafted, how many approved at once)."""
    if not dossiers:
        return 0, 0
    procedures = clock_repository.procedures_by_id(session, {d.procedure_id for d in dossiers})
    agencies = repository.agencies_by_id(session, {d.agency_id for d in dossiers})
    blames = blames or {}
    reasons = [blames.get(d.id) for d in dossiers]
    drafted = insert_drafts(
        session,
        [(d, procedures.get(d.procedure_id), f"{DEFAULT_REASON} {blame.reason}" if blame else None)
         for d, blame in zip(dossiers, reasons, strict=True)],
        now, actor=SCAN_ACTOR, context=context, extension=extension,
    )
    count = approved = 0
    for dossier, blame, notice in zip(dossiers, reasons, drafted, strict=True):
        if notice is None:
            continue  # another scan drafted it meanwhile
        # flushed with the next approval or the batch's flush, each in the order added
        notice_repository.add_event(session, notice, "drafted", SCAN_ACTOR, now, None,
                                    flush=False)
        if blame is not None:  # §8: another agency's delay is apologised for by that agency
            notice.responsible_agency = blame.responsible_agency
            notice.forwarding_agency = blame.forwarding_agency
        count += 1
        agency = agencies.get(dossier.agency_id)
        if agency is not None and agency.auto_approve_notices:
            notice_service.approve(session, notice.id, now, actor=notice_service.AUTO_ACTOR)
            approved += 1
    return count, approved
