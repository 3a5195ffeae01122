"""Fixtures of the real-browser tests: one live server and one headless Chromium for the
whole of tests/browser, and a page factory whose pages may reach only the loopback.

    def test_x(live_server: LiveServer, new_page: NewPage) -> None:
        page = new_page("viewer")          # or new_page() for no token
        page.goto(live_server.url("/docs"))
        screenshot(page, "x")              # test-output/browser/x.png

Every test here is marked `browser` (`pytest -m browser` selects them)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.permissions import ADMIN, MANAGER, OFFICER, PLANNER, VIEWER
from bench.http_server import ServerProcess, free_port
from tests.browser.browser_support import (
    CHROMIUM_ARGS,
    LiveServer,
    NewPage,
    PageWatch,
    require_chromium,
)

HERE = Path(__file__).resolve().parent
#: the depots the depot manager's user may move stock at
DEPOTS = ["D-HNI"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder `browser`, so a new module cannot forget it."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def chromium() -> Path:
    """Debian's /usr/bin/chromium: skipped if missing, and a failure under CI=true."""
    return require_chromium()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`python -m api.cli serve` (this checkout's code, as `make run` serves it) on a fresh
    SQLite database that it migrates and seeds itself, and one user per role made through
    the API by the first admin, whose token the server wrote beside the database. Package
    scope: one server for all of tests/browser, stopped before the rest of the suite."""
    db = tmp_path_factory.mktemp("browser") / "chemdepot.db"
    port = free_port()
    env = {
        "CHEMDEPOT_DATABASE_URL": f"sqlite:///{db}",
        "CHEMDEPOT_HOST": "127.0.0.1",
        "CHEMDEPOT_PORT": str(port),
    }
    server = ServerProcess.start([sys.executable, "-m", "api.cli", "serve"], port=port, env=env)
    try:
        admin = db.with_suffix(".admin-token").read_text(encoding="utf-8").strip()
        tokens = {ADMIN: admin}
        live = LiveServer(server.base_url, tokens)
        with live.client(ADMIN) as client:
            for role in (PLANNER, OFFICER, MANAGER, VIEWER):
                name = f"browser-{role.replace('_', '-')}"
                depots = DEPOTS if role == MANAGER else []
                made = client.post("/users", json={"name": name, "role": role, "depots": depots})
                assert made.status_code == 201, made.text
                issued = client.post(f"/users/{name}/tokens")
                assert issued.status_code == 201, issued.text
                tokens[role] = issued.json()["token"]
        yield live
    finally:
        server.stop()


@pytest.fixture(scope="package")
def browser(chromium: Path) -> Iterator[Browser]:
    """One headless Chromium for all of tests/browser (each test gets fresh contexts)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page_watch() -> PageWatch:
    """What this test's pages tried to reach off the loopback, and their errors."""
    return PageWatch()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer, page_watch: PageWatch) -> Iterator[NewPage]:
    """`new_page(role=None)`: a page in a context of its own (no shared storage), sending
    `role`'s bearer token on every request when a role is given. Every request off the
    loopback is aborted; at teardown the test fails if one was tried or if a script threw
    an uncaught exception."""
    contexts = []

    def make(role: str | None = None) -> Page:
        headers = {} if role is None else {"Authorization": f"Bearer {live_server.tokens[role]}"}
        context = browser.new_context(extra_http_headers=headers, service_workers="block")
        context.route("**/*", page_watch.route)
        contexts.append(context)
        page = context.new_page()
        page_watch.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    failures = page_watch.failures()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
