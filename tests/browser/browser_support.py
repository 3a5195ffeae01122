"""What the browser tests share besides their fixtures: the live server's address and
tokens, the record of what a page tried to reach and said, and screenshots.

Chromium is Debian's (`make browser`), driven by the `playwright` wheel's own driver; no
browser is ever downloaded (`playwright install` is never run). Every request a page makes
to a host other than the loopback is aborted and recorded, and the test then fails: that is
how a test proves that a page needs no network beyond the server."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, Route

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: headless Debian chromium as root, and nothing it would fetch on its own behalf
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: hosts a page may reach (the live server listens on 127.0.0.1)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SCREENSHOTS = ROOT / "test-output" / "browser"


def require_chromium(path: Path = CHROMIUM) -> Path:
    """The browser, or a skip; under CI=true a missing browser fails the run (as a missing
    PostgreSQL does, tests/conftest.py), so CI cannot pass without running these tests."""
    if not os.access(path, os.X_OK):
        why = f"{path} is missing (`make browser` installs Debian's chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser tests are required under CI=true: {why}")
        pytest.skip(why)
    return path


def is_loopback(url: str) -> bool:
    """Whether `url` stays on this machine (data: and blob: URLs never leave the page)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOOPBACK


@dataclass(frozen=True)
class LiveServer:
    """`python -m api.cli serve` on a fresh, seeded SQLite database; a token per role."""

    base_url: str
    #: role -> bearer token of a user of that role (the depot manager's depots: DEPOTS)
    tokens: dict[str, str]

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def client(self, role: str = "admin") -> httpx.Client:
        """An HTTP client acting as a user of `role`, to set up or check what a page shows."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


@dataclass
class PageWatch:
    """What the pages of one test tried to reach off the loopback (aborted), the errors
    their consoles printed and the exceptions their scripts left uncaught."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Let a loopback request through; abort and record any other."""
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            self.blocked.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def watch(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", self.page_error)

    def failures(self) -> list[str]:
        """Why the test must fail whatever it asserted: requests off the loopback and
        uncaught script errors (console errors are left to each test to judge)."""
        return [f"request off the loopback: {url}" for url in self.blocked] + [
            f"uncaught page error: {error}" for error in self.page_errors
        ]


class NewPage(Protocol):
    """The `new_page` fixture: a page for a user of `role` (its token sent with every
    request), or with no token when `role` is None."""

    def __call__(self, role: str | None = None) -> Page: ...


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save the page as test-output/browser/NAME.png for a person to look at: what the
    window shows, or the whole page (`full_page`; megabytes for a long one)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page: Page, server: LiveServer, role: str) -> None:
    """Open the dashboard and log in through its form with the role's token, as a person
    would; waits until the page for that role is shown."""
    page.goto(server.url("/"))
    page.fill("#token", server.tokens[role])
    page.click("#login-submit")
    page.wait_for_selector("#nav:not([hidden])")
