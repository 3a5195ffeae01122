"""/docs and /redoc come from the server's own files: their HTML names no other host, the
files they load answer without a token, and opening that folder opens nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import offline_docs
from api.app import create_app
from api.settings import Settings
from tests.api.api_support import assert_problem

#: where a page loads a script, a style sheet or an icon from
_SOURCES = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture
def anonymous(tmp_path: Path) -> TestClient:
    """A client with no token, on an app whose (empty) database the docs never touch."""
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'docs.db'}")))


@pytest.mark.parametrize("page", [offline_docs.DOCS, offline_docs.REDOC])
def test_a_docs_page_names_no_url_outside_the_server(anonymous: TestClient, page: str) -> None:
    html = anonymous.get(page).text

    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    sources = _SOURCES.findall(html)
    assert sources and all(s.startswith(f"{offline_docs.ASSETS}/") for s in sources), sources
    for source in sources:
        assert anonymous.get(source).status_code == 200, source


def test_the_redoc_bundle_is_served_without_its_cdn_logo(anonymous: TestClient) -> None:
    served = anonymous.get(offline_docs.REDOC_JS)

    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert offline_docs.REDOC_LOGO not in served.content
    assert offline_docs.REDOC_LOGO in (offline_docs.ASSET_DIR / "redoc.standalone.js").read_bytes()


def test_the_docs_files_are_open_but_nothing_else_beside_them(anonymous: TestClient) -> None:
    assert anonymous.get(f"{offline_docs.ASSETS}/swagger-ui-bundle.js").status_code == 200
    assert anonymous.get(f"{offline_docs.ASSETS}/favicon.png").status_code == 200
    assert_problem(anonymous.get(f"{offline_docs.ASSETS}/no-such-file.js"), 404)
    assert_problem(anonymous.get(f"{offline_docs.ASSETS}-more/swagger-ui.css"), 401)
    assert_problem(anonymous.get(f"{offline_docs.ASSETS}/%2e%2e/depots"), 404)
    assert_problem(anonymous.get(f"{offline_docs.ASSETS}"), 401)


def test_swagger_uis_login_redirect_answers_without_a_token(anonymous: TestClient) -> None:
    app = anonymous.app
    assert isinstance(app, FastAPI) and app.swagger_ui_oauth2_redirect_url
    page = anonymous.get(app.swagger_ui_oauth2_redirect_url)
    assert page.status_code == 200 and "oauth2" in page.text


def test_the_docs_are_not_in_the_openapi_document(anonymous: TestClient) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]

    assert [p for p in paths if p.startswith(("/docs", "/redoc"))] == []
