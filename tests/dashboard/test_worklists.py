"""Overdue and due-soon pages: scope, filters, pages and the Excel export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from app.models import Procedure
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import Seeded, login
from tests.factories import make_dossier


def test_overdue_list_shows_own_subtree_only(supervisor: TestClient) -> None:
    html = supervisor.get("/giam-sat/qua-han").text
    assert "Hồ sơ quá hạn" in html
    assert "H-LATE-01" in html and "UBND huyện Đức Trọng" in html
    assert "K-LATE-01" not in html and "Sở Xây dựng" not in html
    assert "ngày) làm việc" in html  # how late, in working hours and days
    assert "H-SOON-01" not in html


def test_due_soon_list(supervisor: TestClient) -> None:
    html = supervisor.get("/giam-sat/sap-den-han").text
    assert "Hồ sơ sắp đến hạn" in html and "Còn lại" in html
    assert "H-SOON-01" in html and "H-LATE-01" not in html


def test_filters(supervisor: TestClient) -> None:
    by_agency = supervisor.get("/giam-sat/qua-han", params={"agency": "HUYEN"}).text
    assert "H-LATE-01" in by_agency
    by_procedure = supervisor.get("/giam-sat/qua-han", params={"procedure": "2.002"}).text
    assert "H-LATE-01" not in by_procedure
    assert "Không có hồ sơ nào quá hạn với bộ lọc này." in by_procedure
    by_field = supervisor.get("/giam-sat/qua-han", params={"field": "LV01", "agency": ""}).text
    assert "H-LATE-01" in by_field and 'value="LV01" selected' in by_field
    foreign = supervisor.get("/giam-sat/qua-han", params={"agency": "KHAC"})
    assert foreign.status_code == 403 and "không thuộc phạm vi" in foreign.text
    unknown = supervisor.get("/giam-sat/qua-han", params={"agency": "NOPE"})
    assert unknown.status_code == 404


def test_admin_sees_every_agency(web: TestClient, seeded: Seeded, make_token: MakeToken) -> None:
    login(web, make_token("admin", None, name="Quản trị"))
    html = web.get("/giam-sat/qua-han").text
    assert "H-LATE-01" in html and "K-LATE-01" in html


def test_pages_follow_the_cursor(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    procedure = db_session.get(Procedure, seeded.late.procedure_id)
    assert procedure is not None
    now = datetime.now(UTC)
    extra = [
        make_dossier(
            db_session, f"H-MORE-{i:02d}", seeded.district, procedure, now - timedelta(days=20)
        )
        for i in range(25)
    ]
    refresh_deadlines(db_session, extra, now)
    db_session.commit()
    first = supervisor.get("/giam-sat/qua-han").text
    assert first.count('href="/giam-sat/ho-so/') == 25
    assert "Tổng số: <strong>26</strong> hồ sơ · trang 1: 25 hồ sơ" in first
    assert "H-LATE-01" in first  # the most late comes first
    assert "Trang sau" in first
    next_url = first.split('<a href="/giam-sat/qua-han?cursor=')[1].split('"')[0]
    second = supervisor.get("/giam-sat/qua-han?cursor=" + next_url.replace("&amp;", "&")).text
    assert "Tổng số: <strong>26</strong> hồ sơ · trang 2: 1 hồ sơ" in second
    assert second.count('href="/giam-sat/ho-so/') == 1
    assert "Trang đầu" in second and "Trang sau" not in second
    bigger = supervisor.get("/giam-sat/qua-han", params={"so_dong": 50}).text
    assert bigger.count('href="/giam-sat/ho-so/') == 26


def test_excel_export_has_the_filtered_rows(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/qua-han.xlsx", params={"field": "LV01"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ho-so-qua-han-')
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None and sheet.title == "Quá hạn"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Danh sách hồ sơ quá hạn"
    assert rows[2][0] == "Bộ lọc: Lĩnh vực: LV01"
    header = rows.index(next(r for r in rows if r[0] == "Mã hồ sơ"))
    data = rows[header + 1 :]
    assert [r[0] for r in data] == ["H-LATE-01"]
    late = data[0]
    assert late[1] == "1.001" and late[5] == "UBND huyện Đức Trọng"
    assert isinstance(late[7], datetime)
    hours, days = late[9], late[10]
    assert isinstance(hours, int | float) and isinstance(days, int | float)
    assert hours > 0 and days == round(hours / 8, 2)
    soon = supervisor.get("/giam-sat/sap-den-han.xlsx")
    soon_sheet = load_workbook(BytesIO(soon.content)).active
    assert soon_sheet is not None
    last = list(soon_sheet.iter_rows(values_only=True))[-1]
    assert last[0] == "H-SOON-01"
    assert isinstance(last[9], int | float) and last[9] < 0  # working hours left: negative
