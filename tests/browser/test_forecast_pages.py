"""The at-risk list and the backtest page in Chromium: the reliability plot is drawn (SVG
circles inside the plot box), the page fits a phone screen and nothing fails in the console.

Screenshots land in the test's tmp_path for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.core.clock import LOCAL_TZ
from app.db.session import make_engine
from tests.browser.conftest import CHROMIUM_ARGS, serve
from tests.forecast.seed import AS_OF, SLOW, seed, whole_weeks_before

if TYPE_CHECKING:
    from tests.conftest import DatabaseFactory


@pytest.fixture
def served(database_factory: DatabaseFactory) -> Iterator[tuple[str, str, timedelta]]:
    url = database_factory.create("sqlite")
    engine = make_engine(url)
    now = datetime.now(UTC)
    shift = whole_weeks_before(now)
    with Session(engine, expire_on_commit=False) as session:
        seed(session, shift)
        token = create_token(session, name="Quản trị", role="admin", agency=None, now=now).secret
        session.commit()
    with serve(url, engine) as base_url:
        yield base_url, token, shift


def _login(page: Page, base: str, token: str, path: str) -> None:
    page.goto(base + path)
    page.get_by_label("Mã truy cập").fill(token)
    page.get_by_role("button", name="Đăng nhập").click()


def test_risk_list_and_reliability_plot_in_chromium(
    chromium_path: Path, served: tuple[str, str, timedelta], tmp_path: Path
) -> None:
    base, token, shift = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path),
                                             args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        _login(page, base, token, "/giam-sat/nguy-co-tre-han")
        expect(page.get_by_role("heading", level=1)).to_have_text("Nguy cơ trễ hạn")
        expect(page.get_by_role("link", name="OPEN-SLOW")).to_be_visible()
        expect(page.get_by_text(f"bước {SLOW} thường mất").first).to_be_visible()
        page.screenshot(path=tmp_path / "risk.png", full_page=True)

        start = (AS_OF + shift - timedelta(days=110)).astimezone(LOCAL_TZ).date()
        end = (AS_OF + shift - timedelta(days=60)).astimezone(LOCAL_TZ).date()
        page.get_by_role("link", name="kiểm tra độ chính xác của dự báo").click()
        page.goto(f"{base}/giam-sat/kiem-tra-du-bao?tu={start}&den={end}&moi=3")
        expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra dự báo trễ hạn")
        plot = page.locator("#reliability-plot")
        expect(plot).to_be_visible()
        box = plot.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 200
        dots = plot.locator("circle.dot")
        assert dots.count() >= 1
        for k in range(dots.count()):
            dot = dots.nth(k).bounding_box()
            assert dot is not None
            # every dot is drawn inside the plot
            assert box["x"] <= dot["x"] and dot["x"] + dot["width"] <= box["x"] + box["width"]
            assert box["y"] <= dot["y"] and dot["y"] + dot["height"] <= box["y"] + box["height"]
        page.screenshot(path=tmp_path / "backtest.png", full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"page is {overflow}px wider than the phone screen"
        browser.close()
    assert problems == []
