from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.core.errors import ValidationFailed
from app.deadlines.store.sync import refresh_deadlines
from app.dossiers import service
from app.dossiers.lists import ListFilters
from tests.factories import local, make_agency, make_dossier, make_procedure

AS_OF = local(2026, 3, 10, 9, 0)  # a Tuesday


@pytest.fixture
def seeded(db_session: Session) -> dict[str, int]:
    parent = make_agency(db_session, "P")
    child = make_agency(db_session, "C", parent=parent)
    other = make_agency(db_session, "O")
    one_day = make_procedure(db_session, "1.1", "1", "working_days", field_code="LV1")
    dossiers = [
        # received Mon 2/3 -> due Tue 3/3 09:00: 5 working days late by AS_OF
        make_dossier(db_session, "late-5d", child, one_day, local(2026, 3, 2, 9, 0)),
        # received Fri 6/3 08:00 -> due Mon 9/3 08:00: 9h late by Tue 09:00 (17:30-08:00 gap)
        make_dossier(db_session, "late-1d", parent, one_day, local(2026, 3, 6, 8, 0)),
        # received Mon 9/3 10:00 -> due Tue 10/3 10:00: due soon
        make_dossier(db_session, "soon", parent, one_day, local(2026, 3, 9, 10, 0)),
        make_dossier(db_session, "foreign-late", other, one_day, local(2026, 3, 2, 9, 0)),
        make_dossier(
            db_session,
            "finished",
            parent,
            one_day,
            local(2026, 3, 2, 9, 0),
            status=10,
            finished_at=local(2026, 3, 4, 9, 0),
        ),
    ]
    refresh_deadlines(db_session, dossiers, AS_OF)
    return {"parent": parent.id, "child": child.id, "other": other.id}


def test_overdue_most_late_first_with_working_hours(
    db_session: Session, seeded: dict[str, int]
) -> None:
    items, cursor = service.work_list(db_session, "overdue", AS_OF, ListFilters(), None, 50)
    codes = [i.row.dossier.code for i in items]
    assert codes == ["late-5d", "foreign-late", "late-1d"]
    assert cursor is None
    late_1d = items[-1]
    # due Mon 08:00 -> Tue 09:00 = Mon 8:00-17:30 less lunch (7.5h) + Tue 7:30-9:00 (1.5h) = 9h
    assert float(late_1d.working_hours_late) == pytest.approx(9.0)


def test_due_soon_list(db_session: Session, seeded: dict[str, int]) -> None:
    items, _ = service.work_list(db_session, "due_soon", AS_OF, ListFilters(), None, 50)
    assert [i.row.dossier.code for i in items] == ["soon"]
    assert float(items[0].working_hours_late) < 0


def test_scope_to_agency_subtree(db_session: Session, seeded: dict[str, int]) -> None:
    scope = {seeded["parent"], seeded["child"]}
    items, _ = service.work_list(
        db_session, "overdue", AS_OF, ListFilters(agency_ids=scope), None, 50
    )
    assert "foreign-late" not in [i.row.dossier.code for i in items]
    assert len(items) == 2


def test_keyset_pages_cover_everything_once(db_session: Session, seeded: dict[str, int]) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        items, cursor = service.work_list(db_session, "overdue", AS_OF, ListFilters(), cursor, 1)
        seen += [i.row.dossier.code for i in items]
        if cursor is None:
            break
    assert seen == ["late-5d", "foreign-late", "late-1d"]


def test_garbage_cursor_is_a_clear_error(db_session: Session, seeded: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed, match="cursor"):
        service.work_list(db_session, "overdue", AS_OF, ListFilters(), "not-a-cursor", 10)
