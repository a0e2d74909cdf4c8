from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar import service as calendar_service
from app.deadlines.store.sync import recompute_open_dossiers, refresh_deadlines
from app.models import Dossier
from tests.factories import add_event, local, make_agency, make_dossier, make_procedure

NOW = local(2026, 3, 2, 12, 0)


def test_refresh_fills_the_clock_state(db_session: Session) -> None:
    agency = make_agency(db_session, "A1")
    procedure = make_procedure(db_session, "1.000001", "1", "working_days")
    dossier = make_dossier(
        db_session,
        "H1-1",
        agency,
        procedure,
        local(2026, 3, 2, 10, 0),
        portal_due_at=local(2026, 3, 3, 10, 0),
    )
    refresh_deadlines(db_session, [dossier], NOW)
    assert dossier.clock_started_at == local(2026, 3, 2, 10, 0)
    assert dossier.due_at == local(2026, 3, 3, 10, 0)
    assert dossier.due_is_legal
    assert dossier.classification == "due_soon"
    assert not dossier.appointment_mismatch


def test_pause_moves_the_due_and_is_reported(db_session: Session) -> None:
    agency = make_agency(db_session, "A2")
    procedure = make_procedure(db_session, "1.000002", "1", "working_days")
    dossier = make_dossier(db_session, "H2-1", agency, procedure, local(2026, 3, 2, 10, 0))
    add_event(db_session, dossier, local(2026, 3, 2, 14, 0), 5, "Yêu cầu bổ sung")
    refresh_deadlines(db_session, [dossier], local(2026, 3, 2, 16, 0))
    assert dossier.classification == "paused"
    assert dossier.paused_since == local(2026, 3, 2, 14, 0)
    add_event(db_session, dossier, local(2026, 3, 3, 9, 0), 4, "Tiếp tục xử lý")
    refresh_deadlines(db_session, [dossier], local(2026, 3, 3, 9, 30))
    assert dossier.paused_since is None
    # Mon 10:00-11:30 (1.5h) + 13:30-14:00 (0.5h) = 2h used, 6h left from Tue 09:00:
    # 09:00-11:30 (2.5h) + 13:30-17:00 (3.5h) -> Tue 17:00.
    assert dossier.due_at == local(2026, 3, 3, 17, 0)
    assert dossier.paused_working_minutes == (17 * 60 + 30 - 14 * 60) + 90


def test_missing_procedure_uses_portal_appointment(db_session: Session) -> None:
    agency = make_agency(db_session, "A3")
    procedure = make_procedure(db_session, "9.999999", None, None)
    dossier = make_dossier(
        db_session,
        "H3-1",
        agency,
        procedure,
        local(2026, 3, 2, 10, 0),
        portal_due_at=local(2026, 3, 5, 17, 30),
    )
    refresh_deadlines(db_session, [dossier], NOW)
    assert dossier.due_at == local(2026, 3, 5, 17, 30)
    assert not dossier.due_is_legal


def test_portal_appointment_later_than_the_law_is_a_mismatch(db_session: Session) -> None:
    agency = make_agency(db_session, "A4")
    procedure = make_procedure(db_session, "1.000004", "1", "working_days")
    dossier = make_dossier(
        db_session,
        "H4-1",
        agency,
        procedure,
        local(2026, 3, 2, 10, 0),
        portal_due_at=local(2026, 3, 6, 10, 0),
    )
    refresh_deadlines(db_session, [dossier], NOW)
    assert dossier.appointment_mismatch


def test_override_recomputes_open_dossiers_only(db_session: Session) -> None:
    agency = make_agency(db_session, "A5")
    procedure = make_procedure(db_session, "1.000005", "1", "working_days")
    open_one = make_dossier(db_session, "H5-1", agency, procedure, local(2026, 3, 2, 10, 0))
    closed = make_dossier(
        db_session,
        "H5-2",
        agency,
        procedure,
        local(2026, 3, 2, 10, 0),
        status=9,
        finished_at=local(2026, 3, 3, 9, 0),
    )
    later = local(2026, 3, 3, 12, 0)
    refresh_deadlines(db_session, [open_one, closed], later)
    assert closed.classification == "on_time"
    calendar_service.add_override(
        db_session,
        day=date(2026, 3, 3),
        kind="day_off",
        reason="Nghỉ do bão",
        source="CV 1/UBND",
        created_by="test",
        now=NOW,
    )
    assert recompute_open_dossiers(db_session, later) == 1
    assert open_one.due_at == local(2026, 3, 4, 10, 0)
    assert closed.due_at == local(2026, 3, 3, 10, 0)


def test_the_clock_state_reaches_the_stored_row_even_after_a_receipt_correction(
    db_session: Session,
) -> None:
    """The UPDATE names each row by id and receipt instant (its partition on PostgreSQL)."""
    agency = make_agency(db_session, "A9")
    procedure = make_procedure(db_session, "1.000009", "1", "working_days")
    dossier = make_dossier(db_session, "H9-1", agency, procedure, local(2026, 1, 30, 10, 0))
    dossier.received_at = local(2026, 3, 2, 10, 0)  # corrected into another month
    refresh_deadlines(db_session, [dossier], NOW)
    db_session.expire_all()
    stored = db_session.execute(
        select(Dossier.received_at, Dossier.due_at, Dossier.classification)
        .where(Dossier.code == "H9-1")
    ).one()
    assert tuple(stored) == (local(2026, 3, 2, 10, 0), local(2026, 3, 3, 10, 0), "due_soon")
