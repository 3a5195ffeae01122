"""/docs and /redoc in a real browser with every request off the loopback refused: the
pages must render from the server's own files (a CDN is out of reach on a depot's network).
The page factory fails a test that tried to reach any other host."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.browser_support import LiveServer, NewPage, PageWatch, screenshot


def test_swagger_ui_lists_the_operations_with_no_request_off_the_loopback(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()

    page.goto(live_server.url("/docs"))

    stock = page.locator('.opblock-get .opblock-summary-path[data-path="/stock"]')
    expect(stock).to_be_visible()
    expect(
        page.locator(".opblock-post .opblock-summary-path[data-path='/movements']")
    ).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("chemdepot")
    screenshot(page, "docs-swagger-ui")
    assert page_watch.blocked == []
    assert page_watch.console_errors == []


def test_redoc_renders_the_document_with_no_request_off_the_loopback(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()

    page.goto(live_server.url("/redoc"))

    # ReDoc parses the whole OpenAPI document before it draws: on a loaded 2-core machine
    # that took longer than Playwright's default 5 s once (CI, 186c7d9)
    expect(page.locator("h1").first).to_contain_text("chemdepot", timeout=30_000)
    expect(page.get_by_role("menuitem", name="stock", exact=True)).to_be_visible()
    stock = page.locator("button:has(.http-verb.get)", has=page.get_by_text("/stock", exact=True))
    expect(stock.first).to_be_attached()
    screenshot(page, "docs-redoc")
    assert page_watch.blocked == []
    assert page_watch.console_errors == []
