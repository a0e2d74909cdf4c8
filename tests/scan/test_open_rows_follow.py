"""`take_moved` and `follow_loaded` (app/deadlines/store/open_rows.py): the clock's moved
values reach a dossier the session holds as a loaded object as committed state, never as a
change the unit of work would write again, and a pending change of the caller's survives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.deadlines.store.open_rows import COLUMNS, OpenDossier, follow_loaded, take_moved
from app.models import Dossier
from tests.factories import make_agency, make_dossier, make_procedure

RECEIVED = datetime(2025, 9, 8, 2, 0, tzinfo=UTC)
DUE = RECEIVED + timedelta(days=7)


def _dossier(session: Session) -> Dossier:
    agency = make_agency(session, "H21.65", "Sở Tư pháp")
    procedure = make_procedure(session, "1.000001", "5", "working_days")
    dossier = make_dossier(session, "H21.65-250908-0001", agency, procedure, RECEIVED)
    session.flush()
    return dossier


def test_a_clean_loaded_dossier_takes_only_the_values_that_moved(db_session: Session) -> None:
    dossier = _dossier(db_session)
    moved = take_moved(dossier, {"due_at": DUE, "status": dossier.status})
    assert moved == {"due_at": DUE}  # the unchanged status is not a move
    assert dossier.due_at == DUE
    assert not db_session.dirty  # committed state: nothing for the unit of work to write


def test_a_pending_change_survives_the_moved_values(db_session: Session) -> None:
    dossier = _dossier(db_session)
    dossier.escalated = True  # the caller's own change, not flushed yet
    assert take_moved(dossier, {"due_at": DUE}) == {"due_at": DUE}
    assert dossier.due_at == DUE and dossier.escalated is True
    assert dossier in db_session.dirty  # still the caller's change to write
    db_session.flush()
    db_session.expire_all()
    stored = db_session.scalars(select(Dossier)).one()
    assert stored.escalated is True
    assert stored.due_at is None  # the moved value was never the unit of work's to write


def test_an_expired_attribute_is_set_as_committed_state(db_session: Session) -> None:
    dossier = _dossier(db_session)
    db_session.expire(dossier, ["due_at"])
    assert take_moved(dossier, {"due_at": DUE}) == {"due_at": DUE}
    assert dossier.due_at == DUE
    assert not db_session.dirty


def test_a_loaded_dossier_follows_what_its_plain_row_moved(db_session: Session) -> None:
    dossier = _dossier(db_session)
    row = OpenDossier(*db_session.execute(select(*COLUMNS).where(Dossier.id == dossier.id)).one())
    moved = take_moved(row, {"due_at": DUE, "classification": "on_time"})
    assert row.due_at == DUE and row.classification == "on_time"
    follow_loaded(db_session, {row.id: moved})
    assert (dossier.due_at, dossier.classification) == (DUE, "on_time")
    assert not db_session.dirty
    follow_loaded(db_session, {})  # nothing moved: nothing to follow
    follow_loaded(db_session, {row.id + 1: {"due_at": RECEIVED}})  # another dossier's
    assert dossier.due_at == DUE
