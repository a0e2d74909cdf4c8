"""The procedure page: the reading with the phrase it came from, the cut-off, the exceptions or
the readings listed back; linked from the dossier page, which shows the exceptions too."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.procedures.service import import_catalogue
from tests.dashboard.helpers import Seeded

NOW = datetime(2025, 9, 9, 3, 0, tzinfo=UTC)


def _catalogue(session: Session, rows: list[tuple[str, str]]) -> None:
    import_catalogue(session, [(i, {"MaTTHC": code, "TenTTHC": f"Thủ tục {code}",
                                    "TenLinhVuc": "Tư pháp", "ThoiHanGiaiQuyet": text,
                                    "CoQuanThucHien": "UBND cấp huyện", "MucDo": "Toàn trình"})
                              for i, (code, text) in enumerate(rows, start=1)], NOW)
    session.commit()


def test_the_procedure_page_shows_the_reading_and_where_it_came_from(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    _catalogue(db_session, [("1.001", "01 ngày làm việc kể từ ngày nhận đủ hồ sơ; trường hợp "
                                      "phải xác minh thì không quá 05 ngày làm việc; nhận hồ sơ "
                                      "sau 15 giờ thì tính từ ngày làm việc tiếp theo")])
    page = supervisor.get("/giam-sat/thu-tuc/1.001")
    assert page.status_code == 200
    html = page.text
    assert "01 ngày làm việc" in html
    assert "<q>01 ngày làm việc kể từ ngày nhận đủ hồ sơ</q>" in html
    assert "15:00" in html and "nhận hồ sơ sau 15 giờ thì tính từ ngày làm việc tiếp theo" in html
    assert "trường hợp phải xác minh thì không quá 05 ngày làm việc" in html
    assert "UBND cấp huyện" in html and "Toàn trình" in html


def test_a_procedure_listed_back_shows_why_and_every_reading(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    _catalogue(db_session, [("3.003", "Trong ngày (tối đa 3 ngày)")])
    html = supervisor.get("/giam-sat/thu-tuc/3.003").text
    assert "Chưa xác định" in html and "nhiều cách đọc" in html
    assert "03 ngày" in html and "trong ngày" in html


def test_the_dossier_page_links_the_procedure_and_shows_its_exceptions(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    _catalogue(db_session, [("1.001", "01 ngày làm việc; trường hợp phải xác minh thì không "
                                      "quá 05 ngày làm việc")])
    html = supervisor.get("/giam-sat/ho-so/H-LATE-01").text
    assert 'href="/giam-sat/thu-tuc/1.001"' in html
    assert "01 ngày làm việc ← &#39;01 ngày làm việc&#39;" in html
    assert "Trường hợp ngoại lệ" in html
    assert "trường hợp phải xác minh thì không quá 05 ngày làm việc" in html


def test_an_unknown_procedure_is_a_404_page(supervisor: TestClient, seeded: Seeded) -> None:
    response = supervisor.get("/giam-sat/thu-tuc/9.999")
    assert response.status_code == 404 and "9.999" in response.text


def test_the_procedure_page_needs_a_login(web: TestClient, seeded: Seeded) -> None:
    response = web.get("/giam-sat/thu-tuc/1.001", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
