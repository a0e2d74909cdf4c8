"""The apology for a "late without apology" dossier, done in Chromium as a supervisor would:
from the dossier's page, draft -> approve -> issue -> publish, the PDF and DOCX downloaded, the
notice on the public page; then the work lists on a phone, whose key columns stay on screen."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LATE_WITHOUT_APOLOGY, LiveApp
from tests.dashboard.helpers import APPLICANT

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
REASON = "Chờ kết quả đo đạc lại thửa đất của Văn phòng đăng ký đất đai."


def _login(page: Page, app: LiveApp, path: str) -> None:
    page.goto(app.base_url + path)
    page.get_by_label("Mã truy cập").fill(app.token)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(app.base_url + path)


def _confirm_and_click(page: Page, name: str) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=name).click()


def test_apology_from_draft_to_public_in_the_browser(
    browser: Browser, live_app: LiveApp, tmp_path: Path
) -> None:
    page = browser.new_page(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    _login(page, live_app, "/giam-sat/qua-han")
    page.get_by_role("link", name="Trễ chưa xin lỗi: soạn phiếu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {LATE_WITHOUT_APOLOGY}")
    expect(page.get_by_text("Hồ sơ đã trễ hạn mà chưa có phiếu xin lỗi")).to_be_visible()
    page.get_by_label("Lý do chậm trễ").fill(REASON)
    page.get_by_role("button", name="Soạn phiếu xin lỗi").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Đã soạn bản nháp phiếu số 02/PXL-")
    for button, done in (
        ("Duyệt phiếu", "Đã duyệt phiếu số 02/PXL-"),
        ("Phát hành phiếu", "Đã phát hành phiếu số 02/PXL-"),
        ("Công khai phiếu", "Đã công khai phiếu số 02/PXL-"),
    ):
        _confirm_and_click(page, button)
        expect(status).to_contain_text(done)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Hồ sơ {LATE_WITHOUT_APOLOGY}"
        )
    page.screenshot(path=tmp_path / "apology-published.png", full_page=True)
    for link, magic in (("Tải PDF", b"%PDF"), ("Tải DOCX", b"PK")):
        with page.expect_download() as download:
            page.get_by_role("link", name=link).click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(magic), saved
        assert saved.name.startswith("phieu-xin-loi-02-PXL-")

    # A citizen's browser (no session, no cache) finds it on the public page, name masked.
    citizen = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    citizen.goto(live_app.base_url + "/")
    expect(citizen.get_by_role("cell", name=REASON)).to_be_visible()
    assert APPLICANT not in citizen.content()


def _fits(page: Page, selector: str) -> None:
    """Every element of `selector` lies inside the screen's width, and the region holding the
    table does not scroll sideways."""
    boxes = page.locator(selector)
    assert boxes.count() > 0, selector
    width = page.viewport_size["width"] if page.viewport_size else 0
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
            selector, box)
    overflow = boxes.first.evaluate(
        "cell => { const wrap = cell.closest('.table-wrap');"
        " return wrap.scrollWidth - wrap.clientWidth; }"
    )
    assert overflow <= 1, f"a table scrolls {overflow}px sideways"


def test_work_lists_on_a_phone_keep_their_key_columns_on_screen(
    browser: Browser, live_app: LiveApp, tmp_path: Path
) -> None:
    phone = browser.new_page(viewport=PHONE, locale="vi-VN", is_mobile=True)
    _login(phone, live_app, "/giam-sat/qua-han")
    expect(phone.get_by_text("Tổng số: 2 hồ sơ", exact=False)).to_be_visible()
    _fits(phone, "table.data td[data-label='Mã hồ sơ'] a")
    _fits(phone, "table.data td[data-label='Quá hạn']")
    phone.screenshot(path=tmp_path / "phone-overdue.png", full_page=True)

    phone.goto(live_app.base_url + "/giam-sat/phieu-xin-loi")
    _fits(phone, "table.data td[data-label='Số phiếu']")
    _fits(phone, "table.data td[data-label='Thao tác'] button")
    phone.screenshot(path=tmp_path / "phone-notices.png", full_page=True)

    phone.goto(live_app.base_url + "/")
    _fits(phone, "table.data td[data-label='Hẹn lại']")
    phone.screenshot(path=tmp_path / "phone-public-apologies.png", full_page=True)
