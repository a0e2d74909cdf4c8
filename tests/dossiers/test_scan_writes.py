from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from tests.factories import local, make_agency, make_dossier, make_procedure


def test_unchanged_state_writes_nothing(db_session: Session) -> None:
    agency = make_agency(db_session, "W")
    procedure = make_procedure(db_session, "1.9", "5", "working_days")
    dossier = make_dossier(db_session, "W-1", agency, procedure, local(2026, 3, 2, 9, 0))
    refresh_deadlines(db_session, [dossier], local(2026, 3, 2, 10, 0))
    first_seen = dossier.classified_as_of
    updates: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE DOSSIER"):
            updates.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        refresh_deadlines(db_session, [dossier], local(2026, 3, 2, 11, 0))
        assert updates == []
        assert dossier.classified_as_of == first_seen
        refresh_deadlines(db_session, [dossier], local(2026, 3, 20, 11, 0))  # now overdue
        assert len(updates) == 1
        assert dossier.classification == "overdue"
        assert dossier.classified_as_of == local(2026, 3, 20, 11, 0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
