"""The dossier page: timeline, explained deadline, and the agency scope."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_dossier_page_explains_the_deadline(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/ho-so/H-LATE-01")
    assert response.status_code == 200
    html = response.text
    assert "Giải thích thời hạn" in html
    assert "Thời hạn 1 ngày làm việc = 1 × 8 = 8 giờ làm việc." in html
    assert "Giờ làm việc được tính từng ngày" in html
    assert "07:30–11:30, 13:30–17:30" in html
    assert "Quá hạn (đang xử lý)" in html
    # Timeline, in order, with the portal's status names.
    assert html.index("Tiếp nhận hồ sơ tại Bộ phận một cửa") < html.index("Chuyển phòng chuyên môn")
    assert "Được tiếp nhận" in html and "Đang xử lý" in html
    # The draft notice is linked to the approval list.
    assert "Bản nháp, chờ duyệt" in html and 'href="/giam-sat/phieu-xin-loi"' in html


def test_dossier_of_another_agency_is_refused(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/ho-so/K-LATE-01")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.text
    assert "Trần Thị Bình" not in response.text


def test_unknown_dossier_is_a_404_page(supervisor: TestClient) -> None:
    response = supervisor.get("/giam-sat/ho-so/KHONG-CO")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text and "KHONG-CO" in response.text
