from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Dossier,
    DossierTransition,
    Notice,
    NoticeEvent,
    OutboxMessage,
    RateRollup,
)
from app.notices import service as notices
from app.scan.service import run_scan
from tests.factories import add_event
from tests.scan.scenario import (
    AFTER_DUE,
    AFTER_NEW_DUE,
    BEFORE_DUE_SOON,
    DUE,
    NEW_DUE,
    ONE_DAY_BEFORE,
    add_dossier,
    make_case,
)


def _kinds(session: Session, dossier_id: int) -> list[str]:
    return list(
        session.scalars(
            select(DossierTransition.kind)
            .where(DossierTransition.dossier_id == dossier_id)
            .order_by(DossierTransition.kind)
        )
    )


def _outbox_keys(session: Session) -> list[str]:
    return sorted(session.scalars(select(OutboxMessage.idempotency_key)))


def test_nothing_happens_before_the_dossier_is_due_soon(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0001")
    counts = run_scan(db_session, BEFORE_DUE_SOON)
    assert counts.scanned == 1 and counts.in_time == 1
    assert counts.drafted == 0
    assert _kinds(db_session, dossier.id) == []
    assert dossier.due_at == DUE


def test_scan_one_working_day_before_the_due_drafts_the_notice(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0002")
    counts = run_scan(db_session, ONE_DAY_BEFORE)
    assert (counts.due_soon, counts.became_due_soon, counts.drafted) == (1, 1, 1)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    assert notice.status == "draft"
    assert (notice.year, notice.number) == (2026, 1)
    assert notice.original_due_at == DUE
    assert notice.new_due_at == NEW_DUE
    assert notice.legal_basis == "03/2025/TT-VPCP"
    assert "thẩm định" in notice.reason
    actions = db_session.scalars(
        select(NoticeEvent.action).where(NoticeEvent.notice_id == notice.id)
    )
    assert list(actions) == ["drafted"]
    assert _kinds(db_session, dossier.id) == ["became_due_soon"]


def test_second_scan_at_the_same_instant_records_and_drafts_nothing(db_session: Session) -> None:
    case = make_case(db_session)
    add_dossier(db_session, case, "000.00.12.H36-260302-0003")
    add_dossier(
        db_session, case, "000.00.12.H36-260302-0004", received_at=AFTER_DUE - timedelta(days=14)
    )
    first = run_scan(db_session, ONE_DAY_BEFORE)
    assert first.drafted == 1 and first.became_overdue == 1 and first.notifications == 1
    second = run_scan(db_session, ONE_DAY_BEFORE)
    assert second.scanned == 2
    assert (second.drafted, second.became_due_soon, second.became_overdue) == (0, 0, 0)
    assert (second.late_without_apology, second.notifications) == (0, 0)
    assert db_session.scalar(select(func.count()).select_from(Notice)) == 1
    assert db_session.scalar(select(func.count()).select_from(DossierTransition)) == 3


def test_overdue_without_notice_is_late_without_apology_once(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0005")
    counts = run_scan(db_session, AFTER_DUE)
    assert (counts.became_overdue, counts.late_without_apology) == (1, 1)
    assert dossier.late_without_apology and not dossier.escalated
    assert counts.drafted == 0  # past the due: the breach is flagged, not papered over
    transition = db_session.scalars(
        select(DossierTransition).where(DossierTransition.kind == "became_overdue")
    ).one()
    assert transition.at == DUE  # when it happened, not when the scan noticed
    run_scan(db_session, AFTER_DUE + timedelta(hours=3))
    assert _kinds(db_session, dossier.id) == ["became_overdue", "late_without_apology"]
    assert _outbox_keys(db_session) == ["overdue:000.00.12.H36-260302-0005"]


def test_paused_dossier_is_never_reported_overdue(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0006")
    add_event(db_session, dossier, ONE_DAY_BEFORE - timedelta(days=1), 5, "Yêu cầu bổ sung hồ sơ")
    counts = run_scan(db_session, AFTER_DUE)
    assert counts.paused == 1 and counts.became_overdue == 0 and counts.drafted == 0
    assert _kinds(db_session, dossier.id) == []


def test_notice_issued_in_time_then_missed_new_date_escalates(db_session: Session) -> None:
    case = make_case(db_session)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0007")
    run_scan(db_session, ONE_DAY_BEFORE)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    notices.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    notices.issue(db_session, notice.id, ONE_DAY_BEFORE + timedelta(hours=1), actor="Lê Văn Bình")
    assert notice.issued_in_time and dossier.reappointed_due_at == NEW_DUE

    after_due = run_scan(db_session, AFTER_DUE)
    assert after_due.became_overdue == 1
    assert after_due.late_without_apology == 0 and after_due.escalated == 0
    assert not dossier.late_without_apology

    escalated = run_scan(db_session, AFTER_NEW_DUE)
    assert escalated.escalated == 1 and dossier.escalated
    assert run_scan(db_session, AFTER_NEW_DUE + timedelta(days=1)).escalated == 0
    assert _kinds(db_session, dossier.id) == ["became_due_soon", "became_overdue", "escalated"]
    assert "escalation:000.00.12.H36-260302-0007" in _outbox_keys(db_session)


def test_scan_after_downtime_catches_up(db_session: Session) -> None:
    case = make_case(db_session)
    dossiers = [add_dossier(db_session, case, f"000.00.12.H36-260302-01{i:02d}") for i in range(7)]
    # Nobody scanned for a week: the scan as of now finds them all overdue, across batches.
    counts = run_scan(db_session, AFTER_NEW_DUE, batch_size=3)
    assert counts.scanned == 7 and counts.became_overdue == 7 and counts.late_without_apology == 7
    assert all(d.classification == "overdue" for d in dossiers)


def test_auto_approve_agency_gets_its_draft_approved_by_auto(db_session: Session) -> None:
    case = make_case(db_session, auto_approve=True)
    dossier = add_dossier(db_session, case, "000.00.12.H36-260302-0008")
    counts = run_scan(db_session, ONE_DAY_BEFORE)
    assert counts.drafted == 1 and counts.auto_approved == 1
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    assert notice.status == "approved" and notice.approved_by == "auto"
    assert notice.issued_at is None  # approval only: issuing stays a person's act


def test_the_scans_flags_are_stored_and_counted_in_the_rollup(db_session: Session) -> None:
    """The flags are written with the clock columns (one UPDATE), not only set in memory:
    read back from the database, and the rate rollup's lwa counter moves with them."""
    case = make_case(db_session)
    apologised = add_dossier(db_session, case, "000.00.12.H36-260302-0202")
    run_scan(db_session, ONE_DAY_BEFORE)
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == apologised.id)).one()
    notices.approve(db_session, notice.id, ONE_DAY_BEFORE, actor="Trần Quốc Hưng")
    notices.issue(db_session, notice.id, ONE_DAY_BEFORE + timedelta(hours=1), actor="Lê Văn Bình")
    add_dossier(db_session, case, "000.00.12.H36-260302-0201")  # no scan saw it due soon
    run_scan(db_session, AFTER_NEW_DUE)
    db_session.expire_all()
    stored = {
        code: (lwa, esc)
        for code, lwa, esc in db_session.execute(
            select(Dossier.code, Dossier.late_without_apology, Dossier.escalated)
        )
    }
    assert stored == {
        "000.00.12.H36-260302-0201": (True, False),
        "000.00.12.H36-260302-0202": (False, True),
    }
    assert db_session.scalar(select(func.sum(RateRollup.lwa))) == 1


def test_the_loaded_dossiers_follow_the_update_without_becoming_changes(
    db_session: Session,
) -> None:
    """refresh_deadlines writes by Core, then gives the loaded objects the new values as
    committed: directly when nothing is pending or expired, attribute by attribute otherwise."""
    case = make_case(db_session)
    plain = add_dossier(db_session, case, "FOLLOW-1")
    expired = add_dossier(db_session, case, "FOLLOW-2")
    db_session.flush()
    db_session.expire(expired, ["note"])  # an expired attribute: the careful path
    run_scan(db_session, AFTER_DUE)
    assert not db_session.dirty
    for dossier in (plain, expired):
        assert (dossier.due_at, dossier.classification) == (DUE, "overdue")
        assert dossier.late_without_apology is True
    db_session.expire_all()  # what the database holds is what they showed
    assert (plain.due_at, expired.classification) == (DUE, "overdue")
