"""The public page: rates per agency and by month, published apologies, and no personal data."""

from __future__ import annotations

import re
import unicodedata

from fastapi.testclient import TestClient

from tests.dashboard.helpers import (
    APPLICANT,
    APPLICANT_ID,
    APPLICANT_PHONE,
    FOREIGN_APPLICANT,
    Seeded,
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_public_page_shows_rates_in_vietnamese(web: TestClient, seeded: Seeded) -> None:
    response = web.get("/")
    assert response.status_code == 200
    html = response.text
    assert unicodedata.normalize("NFC", html) == html
    assert "Tình hình giải quyết hồ sơ thủ tục hành chính" in html
    assert "Tỷ lệ đúng hạn theo cơ quan" in html
    assert "Diễn biến theo tháng" in html
    # The district resolved its 3 dossiers on time; the province rolls it up.
    assert re.search(r"UBND huyện Đức Trọng: 100,0\u00a0%", html)
    assert re.search(r"UBND tỉnh Lâm Đồng: 100,0\u00a0%", html)
    assert 'class="bar-fill" x="0" y="0" width="100.0"' in html
    # Three dossiers are far under the 20-dossier threshold: marked, not silently ranked.
    assert "mẫu nhỏ" in html and "dưới 20 hồ sơ" in html


def test_public_page_carries_no_personal_data(
    web: TestClient, seeded: Seeded, published_notice: str
) -> None:
    html = web.get("/").text
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "Trần T. B." in html  # the published apology, with the name masked
    for secret in (APPLICANT, FOREIGN_APPLICANT, APPLICANT_PHONE, APPLICANT_ID, "079123"):
        assert secret not in html


def test_public_page_without_data_explains_itself(web: TestClient) -> None:
    html = web.get("/", params={"so_thang": 3}).text
    assert "Chưa có hồ sơ trong khoảng thời gian này." in html
    assert "Chưa có phiếu xin lỗi nào được công khai." in html
    assert '<option value="3" selected>' in html


def test_pages_have_no_inline_script_or_style(web: TestClient, seeded: Seeded) -> None:
    for path in ("/", "/login"):
        response = web.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert not INLINE_SCRIPT.search(response.text), path
        assert " style=" not in response.text and "<style" not in response.text, path
    assert web.get("/static/app.js").status_code == 200
    css = web.get("/static/app.css")
    assert css.status_code == 200 and "@media (max-width: 640px)" in css.text
    assert '<meta name="viewport"' in web.get("/").text
