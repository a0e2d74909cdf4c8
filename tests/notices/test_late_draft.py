from __future__ import annotations

from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from app.notices.drafting import create_draft
from tests.factories import local, make_agency, make_dossier, make_procedure


def test_late_apology_proposes_a_date_after_now(db_session: Session) -> None:
    agency = make_agency(db_session, "L")
    procedure = make_procedure(db_session, "1.2", "2", "working_days")
    dossier = make_dossier(db_session, "L-1", agency, procedure, local(2026, 3, 2, 9, 0))
    now = local(2026, 3, 20, 10, 0)  # long after the due of Wed 4/3 09:00
    refresh_deadlines(db_session, [dossier], now)
    notice = create_draft(db_session, "L-1", now, actor="giám sát")
    assert notice.original_due_at == local(2026, 3, 4, 9, 0)
    # two working days from now (Fri 20/3 10:00) -> Tue 24/3 10:00
    assert notice.new_due_at == local(2026, 3, 24, 10, 0)


def test_timely_apology_counts_from_the_legal_due(db_session: Session) -> None:
    agency = make_agency(db_session, "T")
    procedure = make_procedure(db_session, "1.3", "2", "working_days")
    dossier = make_dossier(db_session, "T-1", agency, procedure, local(2026, 3, 2, 9, 0))
    now = local(2026, 3, 3, 9, 0)
    refresh_deadlines(db_session, [dossier], now)
    notice = create_draft(db_session, "T-1", now, actor="giám sát")
    assert notice.new_due_at == local(2026, 3, 6, 9, 0)
