"""Steps on the dashboard (DEADLINES.md §8): the dossier page's step picture and responsible
agency, form 06 (DOCX, PDF) from it, the unit league table, and form 07 for a period."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DossierEvent
from app.procedures import process_service
from tests.dashboard.helpers import Seeded

STEPS = [{"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 1},
         {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 2}]


def _with_process(session: Session, seeded: Seeded) -> None:
    """H-LATE-01 (1 working day, received 30 days ago, still open): desk then justice."""
    process_service.set_process(session, "1.001", None, STEPS, datetime.now(UTC), "test")
    events = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id ==
                                                        seeded.late.id)
                             .order_by(DossierEvent.at)).all()
    events[0].department, events[1].department = "Bộ phận một cửa", "Phòng Tư pháp"
    events[1].officer = "Lê Văn Cường"
    session.commit()


def test_dossier_page_draws_the_steps_and_names_who_made_it_late(
    supervisor: TestClient, db_session: Session, seeded: Seeded
) -> None:
    _with_process(db_session, seeded)
    html = supervisor.get("/giam-sat/ho-so/H-LATE-01").text
    assert "Các bước xử lý" in html and '<svg class="step-timeline"' in html
    assert 'data-unit="Phòng Tư pháp"' in html
    # the open step is held by nobody known (after the last step of the process) and the
    # dossier is 30 days late: the responsible agency is shown either way
    assert "Trách nhiệm chậm muộn" in html
    assert "/giam-sat/phieu-kiem-soat?ma=H-LATE-01" in html


def test_form_06_as_docx_lists_each_handover(
    supervisor: TestClient, db_session: Session, seeded: Seeded
) -> None:
    _with_process(db_session, seeded)
    response = supervisor.get("/giam-sat/phieu-kiem-soat",
                              params={"ma": "H-LATE-01", "dinh_dang": "docx"})
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and "H-LATE-01" in text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert any("Nhận: Phòng Tư pháp" in c for c in cells)
    assert any("Lê Văn Cường" in c for c in cells)


def test_form_06_as_pdf(supervisor: TestClient, db_session: Session, seeded: Seeded) -> None:
    from app.notices.render.fonts import print_font

    _with_process(db_session, seeded)
    response = supervisor.get("/giam-sat/phieu-kiem-soat",
                              params={"ma": "H-LATE-01", "dinh_dang": "pdf"})
    if print_font() is None:  # refused with the package to install, as notices are
        assert response.status_code == 503
        return
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_form_06_of_another_agency_is_refused(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/phieu-kiem-soat", params={"ma": "K-LATE-01"})
    assert response.status_code == 403


def test_unit_league_table(supervisor: TestClient, db_session: Session, seeded: Seeded) -> None:
    _with_process(db_session, seeded)
    received = seeded.late.received_at
    first = (received - timedelta(days=2)).date().isoformat()
    after = (received + timedelta(days=3)).date().isoformat()
    html = supervisor.get(f"/giam-sat/don-vi-xu-ly?from={first}&to={after}").text
    assert 'id="unit-league"' in html
    assert "Bộ phận một cửa" in html and "Phòng Tư pháp" in html
    assert 'href="/giam-sat/don-vi-xu-ly"' in html  # in the navigation


def test_form_07_tracking_book(supervisor: TestClient, seeded: Seeded) -> None:
    received = seeded.late.received_at
    first = (received - timedelta(days=1)).date().isoformat()
    after = (received + timedelta(days=2)).date().isoformat()
    response = supervisor.get(f"/giam-sat/so-theo-doi?from={first}&to={after}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Sổ theo dõi"]
    codes = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "H-LATE-01" in codes and "K-LATE-01" not in codes  # another agency's: not in scope
    bad = supervisor.get(f"/giam-sat/so-theo-doi?from={after}&to={first}")
    assert bad.status_code == 400
