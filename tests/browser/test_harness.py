"""The harness itself: each role's token opens the API in a page, and a page that reaches
for another host is stopped and recorded (else the offline tests would prove nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from api.permissions import ADMIN, MANAGER, OFFICER, PLANNER, VIEWER
from tests.browser.browser_support import (
    LiveServer,
    NewPage,
    PageWatch,
    is_loopback,
    require_chromium,
)


def _status(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None
    return response.status


def test_a_page_of_each_role_carries_that_users_token(
    live_server: LiveServer, new_page: NewPage
) -> None:
    assert _status(new_page(), live_server.url("/depots")) == 401
    for role in (ADMIN, PLANNER, OFFICER, MANAGER, VIEWER):
        page = new_page(role)
        assert _status(page, live_server.url("/depots")) == 200, role
        assert json.loads(page.inner_text("body"))[0]["code"]


def test_a_request_to_another_host_is_aborted_and_recorded(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    page.goto(live_server.url("/health"))

    page.set_content('<img src="https://cdn.example.org/logo.png">')
    page.wait_for_load_state("load")

    assert page_watch.blocked == ["GET https://cdn.example.org/logo.png"]
    page_watch.blocked.clear()  # seen: the teardown would fail the test otherwise


def test_an_uncaught_script_error_is_recorded(
    live_server: LiveServer, new_page: NewPage, page_watch: PageWatch
) -> None:
    page = new_page()
    page.goto(live_server.url("/health"))

    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")

    assert page_watch.page_errors == ["Error: boom"]
    page_watch.page_errors.clear()


def test_only_the_loopback_counts_as_the_server() -> None:
    assert is_loopback("http://127.0.0.1:8000/docs")
    assert is_loopback("http://localhost/x")
    assert is_loopback("http://[::1]:8000/")
    assert is_loopback("data:image/png;base64,AAAA")
    assert not is_loopback("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
    assert not is_loopback("http://127.0.0.1.nip.io/")
    assert not is_loopback("http://10.0.0.1/")


def test_a_missing_chromium_is_a_skip_here_and_a_failure_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "chromium"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser"):
        require_chromium(missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI=true"):
        require_chromium(missing)
