"""The scan's steps (DEADLINES.md §8): an open step due soon or overdue is recorded once, even
when the dossier itself is far from its due (and an incremental scan still finds it); an
overdue step queues one notification naming the unit; the apology drafted for a dossier at
risk names the step that ate the time, issued by the other agency for an inter-agency step."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Dossier, DossierStepState, DossierTransition, Notice, OutboxMessage
from app.procedures import process_service
from app.scan.service import run_scan
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

MON = local(2026, 3, 2, 8, 0)  # Monday 2 March 2026; the week is all working days
STEPS = [
    {"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 4},
    {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 16},
    {"name": "Nghĩa vụ thuế", "units": ["Đội Thuế"], "working_hours": 8,
     "agency": "Chi cục Thuế khu vực XV"},
    {"name": "Phê duyệt", "units": ["Lãnh đạo UBND"], "working_hours": 8},
]


def _dossier(session: Session, days: str, code: str = "ST-1") -> Dossier:
    agency = make_agency(session, f"AG-{code}", "UBND xã Tân Phú")
    procedure = make_procedure(session, f"9.{code}", days, "working_days")
    process_service.set_process(session, procedure.code, None, STEPS, MON, "test")
    dossier = make_dossier(session, code, agency, procedure, MON)
    add_event(session, dossier, local(2026, 3, 2, 9, 0), 2, "Tiếp nhận").department = \
        "Bộ phận một cửa"
    session.flush()
    return dossier


def _kinds(session: Session, dossier: Dossier) -> set[str]:
    return set(session.scalars(select(DossierTransition.kind)
                               .where(DossierTransition.dossier_id == dossier.id)))


def test_a_late_handover_is_seen_before_the_dossier_is_late(db_session: Session) -> None:
    dossier = _dossier(db_session, "20")  # due in 20 working days: far away
    # Justice holds it from Mon 09:00 with 16 h → due Wed 09:00.
    tue = run_scan(db_session, local(2026, 3, 3, 15, 0))  # 2.5 + 1.5 = 4 h left
    assert tue.step_due_soon == 1 and tue.step_overdue == 0
    assert "step_due_soon:1" in _kinds(db_session, dossier)
    state = db_session.get(DossierStepState, dossier.id)
    assert state is not None and state.unit == "Phòng Tư pháp"
    assert state.classification == "due_soon"
    wed = local(2026, 3, 4, 10, 0)
    first = run_scan(db_session, wed)
    again = run_scan(db_session, wed + timedelta(hours=1))
    assert (first.step_overdue, again.step_overdue) == (1, 0)  # once
    db_session.refresh(state)  # the kept state moved with it (an UPDATE of the row)
    assert (state.classification, state.unit, state.updated_at) == ("overdue", "Phòng Tư pháp",
                                                                   wed)
    assert dossier.classification == "in_time"
    assert _kinds(db_session, dossier) >= {"step_due_soon:1", "step_overdue:1"}
    [message] = db_session.scalars(select(OutboxMessage)
                                   .where(OutboxMessage.kind == "step_overdue")).all()
    assert message.payload["unit"] == "Phòng Tư pháp"
    assert "Nguyễn" not in str(message.payload)  # facts only, never the applicant


def test_incremental_scan_finds_a_step_falling_due(db_session: Session) -> None:
    dossier = _dossier(db_session, "20", "ST-2")
    run_scan(db_session, local(2026, 3, 2, 10, 0))  # full: step in time, state kept
    assert db_session.get(DossierStepState, dossier.id) is not None
    later = run_scan(db_session, local(2026, 3, 4, 10, 0), since=local(2026, 3, 2, 10, 0))
    assert later.scanned == 1 and later.step_overdue == 1


def test_the_apology_names_the_other_agency_that_made_it_late(db_session: Session) -> None:
    dossier = _dossier(db_session, "5", "ST-3")  # due Mon 9 March 08:00
    add_event(db_session, dossier, local(2026, 3, 3, 9, 0), 4, "Thẩm định xong").department = \
        "Phòng Tư pháp"
    db_session.flush()
    # The tax team holds it from Tue 09:00 (8 h → Wed 09:00); Friday 10:00 it is 17 h over and
    # the dossier (5 working days) is due within a working day: the scan drafts an apology.
    counts = run_scan(db_session, local(2026, 3, 6, 10, 0))
    assert counts.drafted == 1
    notice = db_session.scalars(select(Notice).where(Notice.dossier_id == dossier.id)).one()
    assert "«Nghĩa vụ thuế» — Đội Thuế (vượt 17 giờ làm việc" in notice.reason
    assert notice.responsible_agency == "Chi cục Thuế khu vực XV"
    assert notice.forwarding_agency == "UBND xã Tân Phú"
    assert "UBND xã Tân Phú chuyển phiếu xin lỗi" in notice.reason


def test_closed_dossiers_lose_their_step_state_on_a_full_scan(db_session: Session) -> None:
    dossier = _dossier(db_session, "20", "ST-4")
    run_scan(db_session, local(2026, 3, 2, 10, 0))
    dossier.status = 9
    db_session.flush()
    run_scan(db_session, local(2026, 3, 2, 11, 0))
    db_session.expire_all()
    assert db_session.get(DossierStepState, dossier.id) is None
