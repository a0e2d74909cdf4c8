"""The dossier page's step picture in Chromium (DEADLINES.md §8): drawn, one row per step, the
late step's overrun in red, readable on a 390 px phone screen without the page scrolling
sideways. Screenshots land in tmp_path for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.session import make_engine
from app.models import DossierEvent
from app.procedures import process_service
from tests.browser.conftest import CHROMIUM_ARGS, LiveApp

PHONE = {"width": 390, "height": 844}
STEPS = [{"name": "Tiếp nhận", "units": ["Bộ phận một cửa"], "working_hours": 1},
         {"name": "Thẩm định", "units": ["Phòng Tư pháp"], "working_hours": 1},
         {"name": "Phê duyệt", "units": ["Lãnh đạo UBND"], "working_hours": 4}]


@pytest.fixture
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _add_process(live_app: LiveApp) -> None:
    engine = make_engine(live_app.database_url)
    with Session(engine) as session:
        process_service.set_process(session, "1.001", None, STEPS, datetime.now(UTC), "test")
        late = live_app.seeded.late
        events = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == late.id)
                                 .order_by(DossierEvent.at)).all()
        events[0].department, events[1].department = "Bộ phận một cửa", "Phòng Tư pháp"
        session.commit()
    engine.dispose()


def _login(page: Page, live_app: LiveApp, path: str) -> None:
    page.goto(live_app.base_url + path)
    page.get_by_label("Mã truy cập").fill(live_app.token)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live_app.base_url + path)


def test_step_picture_on_a_phone(browser: Browser, live_app: LiveApp, tmp_path: Path) -> None:
    _add_process(live_app)
    page = browser.new_page(viewport=PHONE, locale="vi-VN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, live_app, "/giam-sat/ho-so/H-LATE-01")
    picture = page.get_by_role("img", name="Các bước xử lý so với thời gian quy trình nội bộ "
                                           "cho phép")
    picture.scroll_into_view_if_needed()
    expect(picture).to_be_visible()
    # desk, justice, and the open step held by the leader, 30 days late
    expect(page.locator("svg.step-timeline g.step")).to_have_count(3)
    expect(page.locator('svg.step-timeline g[data-unit="Lãnh đạo UBND"] rect.step-over')) \
        .to_have_count(1)
    box = picture.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    # the unit names are drawn at a readable size: at least 9 CSS px on the phone
    size = page.evaluate("""() => {
        const t = document.querySelector('svg.step-timeline text');
        return t.getBoundingClientRect().height; }""")
    assert size >= 9, f"step labels are {size}px tall on a phone"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the screen"
    expect(page.locator("p.responsible")).to_contain_text("Lãnh đạo UBND")
    picture.screenshot(path=tmp_path / "steps-phone.png")
    assert errors == []
