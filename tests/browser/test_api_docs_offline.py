"""/docs renders in Chromium with every request off this server refused, as on a provincial
network without internet, and under the app's own Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Route, expect

from tests.browser.conftest import LiveApp


def test_swagger_ui_works_without_internet(
    browser: Browser, live_app: LiveApp, tmp_path: Path
) -> None:
    ours = urlsplit(live_app.base_url).netloc
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.route("**/*", only_ours)
    page.on("console", on_console)
    page.goto(live_app.base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("tthc-monitor")
    # The operations themselves, grouped by tag, as Swagger UI draws them from /openapi.json.
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/notices").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    # The bearer scheme is declared, so a newcomer can paste the demo's token.
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/healthz").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    page.screenshot(path=tmp_path / "docs.png")
    assert blocked == [], f"/docs reached outside: {blocked}"
    assert errors == [], errors  # a CSP violation or a missing asset shows up here


def test_the_cdn_pages_are_gone(live_app: LiveApp) -> None:
    import httpx

    assert httpx.get(live_app.base_url + "/redoc").status_code == 404
    page = httpx.get(live_app.base_url + "/docs").text
    assert "cdn" not in page and "<script>" not in page
