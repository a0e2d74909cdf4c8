"""Dashboard test data and helpers: a small province with overdue, due-soon and finished
dossiers and a draft notice; logging in through the form as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.deadlines.store.sync import refresh_deadlines
from app.models import Agency, Dossier
from app.notices.drafting import create_draft
from tests.factories import add_event, make_agency, make_dossier, make_procedure

APPLICANT = "Nguyễn Văn An"  # the factories' default applicant
APPLICANT_PHONE = "0912345678"
APPLICANT_ID = "079123456789"
FOREIGN_APPLICANT = "Trần Thị Bình"
NONCE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Seeded:
    province: Agency
    district: Agency
    other: Agency
    late: Dossier
    foreign: Dossier
    soon: Dossier
    draft_id: int


def seed(session: Session, now: datetime) -> Seeded:
    province = make_agency(session, "TINH", "UBND tỉnh Lâm Đồng")
    district = make_agency(session, "HUYEN", "UBND huyện Đức Trọng", parent=province)
    other = make_agency(session, "KHAC", "Sở Xây dựng tỉnh Khánh Hòa")
    slow = make_procedure(session, "1.001", "1", "working_days", field_code="LV01")
    quick = make_procedure(session, "2.002", "4", "working_hours", field_code="LV02")
    received = now - timedelta(days=30)
    late = make_dossier(session, "H-LATE-01", district, slow, received)
    add_event(session, late, received, 2, "Tiếp nhận hồ sơ tại Bộ phận một cửa")
    add_event(session, late, received + timedelta(hours=2), 4, "Chuyển phòng chuyên môn")
    foreign = make_dossier(
        session, "K-LATE-01", other, slow, received, applicant_name=FOREIGN_APPLICANT
    )
    soon = make_dossier(session, "H-SOON-01", district, quick, now - timedelta(minutes=5))
    done = []
    for index in range(3):
        start = now - timedelta(days=40 + index)
        done.append(
            make_dossier(
                session, f"H-DONE-{index}", district, quick, start, status=10,
                finished_at=start + timedelta(minutes=30), returned_at=start + timedelta(hours=1),
            )
        )
    refresh_deadlines(session, [late, foreign, soon, *done], now)
    draft = create_draft(session, late.code, now, actor="Cán bộ một cửa")
    session.commit()
    return Seeded(province, district, other, late, foreign, soon, draft.id)


def login(client: TestClient, token: str, next_path: str = "/giam-sat/qua-han") -> None:
    page = client.get("/login", params={"next": next_path})
    nonce = NONCE.search(page.text)
    assert nonce is not None, page.text
    response = client.post(
        "/login",
        data={"token": token, "next": next_path, "csrf_token": nonce.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == next_path


def csrf_of(html: str) -> str:
    found = NONCE.search(html)
    assert found is not None, "page has no CSRF field"
    return found.group(1)
