"""An apology from a dossier's page, in the browser's forms: cancel the scan's draft, draft again
with the supervisor's reason, approve, issue and publish, each step returning to the dossier's
page; the PDF/DOCX downloads; and the totals above the work lists."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import Notice, NoticeFile
from tests.dashboard.conftest import MakeToken
from tests.dashboard.helpers import Seeded, csrf_of, login

PAGE = "/giam-sat/ho-so/H-LATE-01"
REASON = "Chờ ý kiến của Sở Xây dựng về ranh giới thửa đất."


def _notice(db_session: Session, notice_id: int) -> Notice:
    db_session.expire_all()
    notice = db_session.get(Notice, notice_id)
    assert notice is not None
    return notice


def _press(client: TestClient, page: str, action: str, data: dict[str, str]) -> str:
    """Submit a form of `page` as its button would, follow the redirect, return the new page."""
    assert f'action="{action}"' in page, action
    response = client.post(
        action, data={"csrf_token": csrf_of(page), **data}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(PAGE + "?"), location
    return client.get(location).text


def test_the_whole_apology_from_the_dossier_page(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    notice_id = seeded.draft_id
    back = {"tro_ve": "ho-so"}
    page = supervisor.get(PAGE).text
    page = _press(supervisor, page, f"/giam-sat/phieu-xin-loi/{notice_id}/huy", back)
    assert "Đã hủy bản nháp phiếu số 01/PXL-" in page
    assert _notice(db_session, notice_id).status == "cancelled"

    page = _press(supervisor, page, "/giam-sat/phieu-xin-loi/soan",
                  {"ma_ho_so": "H-LATE-01", "ly_do": f"  {REASON}\n"})
    assert "Đã soạn bản nháp phiếu số 01/PXL-" in page and REASON in page
    notice = _notice(db_session, notice_id)  # a cancelled draft is redrafted on its own row
    assert notice.status == "draft" and notice.reason == REASON

    for action, done, status in (
        ("duyet", "Đã duyệt phiếu số", "approved"),
        ("phat-hanh", "Đã phát hành phiếu số", "issued"),
        ("cong-khai", "Đã công khai phiếu số", "published"),
    ):
        page = _press(supervisor, page, f"/giam-sat/phieu-xin-loi/{notice_id}/{action}", back)
        assert done in page, action
        assert _notice(db_session, notice_id).status == status
    assert "Đã công khai" in page and "Soạn phiếu xin lỗi" not in page
    public = supervisor.get("/").text
    assert REASON in public and "Nguyễn V. A." in public and "Nguyễn Văn An" not in public


def test_drafting_is_refused_with_a_reason(
    supervisor: TestClient, seeded: Seeded
) -> None:
    page = supervisor.get(PAGE).text
    url = "/giam-sat/phieu-xin-loi/soan"
    forged = supervisor.post(url, data={"ma_ho_so": "H-LATE-01", "csrf_token": "forged"})
    assert forged.status_code == 403
    for code, status, words in (
        ("H-LATE-01", 409, "already has apology notice"),  # the seeded draft
        ("K-LATE-01", 403, "Không có quyền truy cập"),  # another agency's dossier
        ("H-DONE-0", 409, "is finished"),
        ("KHONG-CO", 404, "Không tìm thấy"),
    ):
        response = supervisor.post(url, data={"ma_ho_so": code, "csrf_token": csrf_of(page)})
        assert response.status_code == status, (code, response.text)
        assert f"Không soạn được phiếu xin lỗi cho hồ sơ {code}." in response.text
        assert words in response.text


def test_a_dossier_without_notice_offers_the_draft_form(
    supervisor: TestClient, seeded: Seeded
) -> None:
    html = supervisor.get("/giam-sat/ho-so/H-SOON-01").text
    assert 'action="/giam-sat/phieu-xin-loi/soan"' in html and "Lý do chậm trễ" in html
    finished = supervisor.get("/giam-sat/ho-so/H-DONE-0").text
    assert "/giam-sat/phieu-xin-loi/soan" not in finished


def test_downloads_are_a_preview_until_issued_then_the_stored_copy(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    base = f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/tep"
    pdf = supervisor.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert re.search(r'filename="phieu-xin-loi-01-PXL-\w+-\d{4}-ban-xem-truoc\.pdf"',
                     pdf.headers["content-disposition"])
    docx = supervisor.get(f"{base}.docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert supervisor.get(f"{base}.html").status_code == 404

    page = supervisor.get("/giam-sat/phieu-xin-loi").text
    for action in ("duyet", "phat-hanh"):
        supervisor.post(f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/{action}",
                        data={"csrf_token": csrf_of(page)})
    issued = supervisor.get(f"{base}.pdf")
    stored = db_session.query(NoticeFile).filter_by(notice_id=seeded.draft_id, format="pdf").one()
    assert hashlib.sha256(issued.content).hexdigest() == stored.sha256
    assert "ban-xem-truoc" not in issued.headers["content-disposition"]


def test_downloads_of_another_agency_are_refused(
    web: TestClient, seeded: Seeded, make_token: MakeToken
) -> None:
    login(web, make_token("supervisor", "KHAC"))
    response = web.get(f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/tep.pdf")
    assert response.status_code == 403 and not response.content.startswith(b"%PDF")


@pytest.mark.parametrize(("agency", "overdue", "due_soon"), [("TINH", 1, 1), (None, 2, 1)])
def test_work_lists_show_their_total(
    web: TestClient, seeded: Seeded, make_token: MakeToken,
    agency: str | None, overdue: int, due_soon: int,
) -> None:
    login(web, make_token("admin" if agency is None else "supervisor", agency))
    for path, total in (("/giam-sat/qua-han", overdue), ("/giam-sat/sap-den-han", due_soon)):
        assert f"Tổng số: <strong>{total}</strong> hồ sơ" in web.get(path).text, path
    notices = web.get("/giam-sat/phieu-xin-loi").text
    assert "Tổng số: <strong>1</strong> phiếu" in notices


def test_a_draft_is_edited_from_the_dossier_page(
    supervisor: TestClient, seeded: Seeded, db_session: Session
) -> None:
    page = supervisor.get(PAGE).text
    url = f"/giam-sat/phieu-xin-loi/{seeded.draft_id}/sua"
    before = _notice(db_session, seeded.draft_id)
    # The form as shown, sent back untouched, changes nothing and says so.
    shown = re.search(r'name="hen_lai" value="([^"]+)"', page)
    assert shown is not None
    unchanged = supervisor.post(url, data={
        "csrf_token": csrf_of(page), "ly_do": before.reason, "hen_lai": shown.group(1)})
    assert unchanged.status_code == 422 and "nothing to change" in unchanged.text
    bad = supervisor.post(url, data={"csrf_token": csrf_of(page), "hen_lai": "mai"})
    assert bad.status_code == 422 and "Ngày hẹn lại “mai” không đúng dạng." in bad.text

    page = _press(supervisor, page, url, {
        "ly_do": REASON, "hen_lai": "2099-03-02T09:30", "nguoi_ky": "Phạm Thu Hà",
        "chuc_vu": "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"})
    assert "Đã sửa bản nháp phiếu số 01/PXL-" in page
    notice = _notice(db_session, seeded.draft_id)
    assert notice.reason == REASON and notice.status == "draft"
    assert notice.new_due_at.isoformat() == "2099-03-02T02:30:00+00:00"  # 09:30 in Hà Nội
    assert (notice.signer_name, notice.signer_title) == (
        "Phạm Thu Hà", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    early = supervisor.post(url, data={"csrf_token": csrf_of(page), "hen_lai": "2000-01-03T08:00"})
    assert early.status_code == 422 and "must be after the legal due" in early.text
