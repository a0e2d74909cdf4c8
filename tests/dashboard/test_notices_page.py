"""Approving and issuing apology notices from the dashboard: CSRF, scope and the workflow."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Notice
from app.notices.drafting import create_draft
from tests.dashboard.helpers import Seeded, csrf_of


def _notice(db_session: Session, notice_id: int) -> Notice:
    db_session.expire_all()
    notice = db_session.get(Notice, notice_id)
    assert notice is not None
    return notice


def test_waiting_notices_are_listed(supervisor: TestClient, seeded: Seeded) -> None:
    html = supervisor.get("/giam-sat/phieu-xin-loi").text
    assert "Phiếu xin lỗi chờ xử lý" in html
    assert "H-LATE-01" in html and "1/PXL" in html and "Duyệt" in html
    assert f'action="/giam-sat/phieu-xin-loi/{seeded.draft_id}/duyet"' in html


def test_approve_without_csrf_is_refused(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    url = f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/duyet"
    for data in ({}, {"csrf_token": "forged"}):
        response = supervisor.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "Biểu mẫu đã hết hiệu lực" in response.text
    assert _notice(db_session, seeded.draft_id).status == "draft"


def test_approve_then_issue(supervisor: TestClient, seeded: Seeded, db_session: Session) -> None:
    page = supervisor.get("/giam-sat/phieu-xin-loi").text
    approved = supervisor.post(
        f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/duyet",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    notice = _notice(db_session, seeded.draft_id)
    assert notice.status == "approved" and notice.approved_by == "Giám sát"
    after = supervisor.get(approved.headers["location"]).text
    assert "Đã duyệt phiếu số 01/PXL-" in after and "Phát hành" in after
    again = supervisor.post(
        f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/duyet", data={"csrf_token": csrf_of(after)}
    )
    assert again.status_code == 409 and "Không duyệt được phiếu xin lỗi." in again.text
    issued = supervisor.post(
        f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/phat-hanh",
        data={"csrf_token": csrf_of(after)},
        follow_redirects=False,
    )
    assert issued.status_code == 303
    notice = _notice(db_session, seeded.draft_id)
    assert notice.status == "issued" and notice.issued_by == "Giám sát"
    waiting = supervisor.get("/giam-sat/phieu-xin-loi").text
    assert "Đã phát hành, chưa công khai" in waiting and "Tổng số: <strong>1</strong>" in waiting
    assert "H-LATE-01" not in supervisor.get("/").text  # issued is not yet public
    published = supervisor.post(
        f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/cong-khai",
        data={"csrf_token": csrf_of(waiting)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert _notice(db_session, seeded.draft_id).status == "published"
    after = supervisor.get(published.headers["location"]).text
    assert "Đã công khai phiếu số 01/PXL-" in after and "Không có phiếu xin lỗi nào chờ" in after
    assert "Tổng số: <strong>0</strong>" in after
    public = supervisor.get("/").text
    assert "01/PXL-" in public and "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in public


def test_notice_of_another_agency_is_neither_listed_nor_approvable(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    foreign = create_draft(db_session, seeded.foreign.code, datetime.now(UTC), actor="Cán bộ")
    db_session.commit()
    page = supervisor.get("/giam-sat/phieu-xin-loi").text
    assert "K-LATE-01" not in page
    response = supervisor.post(
        f"/giam-sat/phieu-xin-loi/{foreign.id}/duyet", data={"csrf_token": csrf_of(page)}
    )
    assert response.status_code == 403
    assert _notice(db_session, foreign.id).status == "draft"
