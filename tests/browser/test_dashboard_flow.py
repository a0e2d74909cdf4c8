"""A supervisor's walk through the dashboard in Chromium, on a desktop and a phone screen.

Screenshots land in the test's tmp_path (public, login, overdue, dossier, notices; desktop and
390 px phone width) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import LiveApp
from tests.dashboard.helpers import APPLICANT, APPLICANT_ID, APPLICANT_PHONE, FOREIGN_APPLICANT

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _watch(page: Page) -> list[str]:
    """Console errors (a CSP violation shows up here) and failed requests."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return problems


def _no_horizontal_page_scroll(page: Page) -> None:
    # Wide tables scroll inside their own box; the page itself must fit the screen.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"page is {overflow}px wider than the screen"


def test_supervisor_walk_through(browser: Browser, live_app: LiveApp, tmp_path: Path) -> None:
    page = browser.new_page(viewport=DESKTOP, locale="vi-VN")
    problems = _watch(page)

    page.goto(live_app.base_url + "/")
    page.screenshot(path=tmp_path / "01-public.png", full_page=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tình hình giải quyết hồ sơ thủ tục hành chính"
    )
    expect(page.get_by_role("img", name="UBND huyện Đức Trọng: 100,0\u00a0%")).to_be_visible()
    expect(page.locator(".bar-value", has_text="100,0\u00a0%")).to_have_count(2)
    expect(page.locator("li.bar-row.small-sample")).to_have_count(3)
    expect(page.get_by_text("Trần T. B.")).to_be_visible()
    body = page.content()
    for secret in (APPLICANT, FOREIGN_APPLICANT, APPLICANT_PHONE, APPLICANT_ID):
        assert secret not in body

    page.goto(live_app.base_url + "/giam-sat/qua-han")
    expect(page).to_have_url(f"{live_app.base_url}/login?next=%2Fgiam-sat%2Fqua-han")
    page.get_by_label("Mã truy cập").fill(live_app.token)
    page.screenshot(path=tmp_path / "02-login.png", full_page=True)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_app.base_url + "/giam-sat/qua-han")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ quá hạn")
    expect(page.get_by_role("link", name="H-LATE-01")).to_be_visible()
    expect(page.get_by_text("K-LATE-01")).to_have_count(0)
    page.get_by_role("columnheader", name="Mã hồ sơ").click()
    expect(page.get_by_role("columnheader", name="Mã hồ sơ")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.screenshot(path=tmp_path / "03-overdue.png", full_page=True)

    page.get_by_role("link", name="H-LATE-01").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ H-LATE-01")
    expect(
        page.get_by_text("Thời hạn 1 ngày làm việc = 1 × 8 = 8 giờ làm việc.", exact=True)
    ).to_be_visible()
    page.screenshot(path=tmp_path / "04-dossier.png", full_page=True)

    page.get_by_role("link", name="Đến danh sách chờ duyệt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phiếu xin lỗi chờ xử lý")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_role("status")).to_contain_text("Đã duyệt phiếu số 01/PXL-")
    expect(page.get_by_role("button", name="Phát hành")).to_be_visible()
    page.screenshot(path=tmp_path / "05-notices.png", full_page=True)
    assert problems == []

    phone = browser.new_page(viewport=PHONE, locale="vi-VN", is_mobile=True)
    phone_problems = _watch(phone)
    for name, path in (
        ("public", "/"),
        ("login", "/login"),
    ):
        phone.goto(live_app.base_url + path)
        _no_horizontal_page_scroll(phone)
        phone.screenshot(path=tmp_path / f"phone-{name}.png", full_page=True)
    phone.get_by_label("Mã truy cập").fill(live_app.token)
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone).to_have_url(live_app.base_url + "/giam-sat/qua-han")
    for name, path in (
        ("overdue", "/giam-sat/qua-han"),
        ("dossier", "/giam-sat/ho-so/H-LATE-01"),
        ("notices", "/giam-sat/phieu-xin-loi"),
    ):
        phone.goto(live_app.base_url + path)
        _no_horizontal_page_scroll(phone)
        phone.screenshot(path=tmp_path / f"phone-{name}.png", full_page=True)
    assert phone_problems == []
    print(f"screenshots in {tmp_path}")
