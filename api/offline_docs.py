"""/docs (Swagger UI) and /redoc from files the server holds, not from a CDN: the depots'
networks are offline, and FastAPI's own pages load their scripts from the internet, so they
would stay blank there. The files are the static folder of the `fastapi-offline`
distribution (only that folder: its app factory is not used), ReDoc's bundle served with its
one outside URL taken out (REDOC_LOGO)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

DOCS = "/docs"
REDOC = "/redoc"
#: where the Swagger UI and ReDoc files are served; open without a token (api.auth)
ASSETS = "/docs-assets"
#: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png
ASSET_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
#: ReDoc's bundle as served (a name the static folder does not have, so never shadowed)
REDOC_JS = f"{ASSETS}/redoc-offline.js"
#: the Redocly logo under ReDoc's menu, fetched from a CDN by an <img> no option turns off;
#: with an empty source the image fails at once and ReDoc leaves it out
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def redoc_bundle() -> bytes:
    """redoc.standalone.js without the logo's URL (read once: 1 MB)."""
    return (ASSET_DIR / "redoc.standalone.js").read_bytes().replace(REDOC_LOGO, b"")


def install(app: FastAPI) -> None:
    """Mount the files and add the pages. Create the app with `docs_url=None,
    redoc_url=None`, so FastAPI's CDN pages are not there too. The pages are plain
    Starlette routes, like FastAPI's own: outside the OpenAPI document and the permission
    table (api.auth opens them)."""
    if not ASSET_DIR.is_dir():
        raise RuntimeError(f"fastapi-offline's static files are missing: {ASSET_DIR}")
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            oauth2_redirect_url=f"{root}{oauth2_redirect}" if oauth2_redirect else None,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{REDOC_JS}",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,  # the fonts are on the internet too
        )

    async def redoc_js(_request: Request) -> Response:
        return Response(redoc_bundle(), media_type="text/javascript; charset=utf-8")

    async def swagger_ui_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route(DOCS, swagger_ui, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
    app.add_route(REDOC_JS, redoc_js, include_in_schema=False)
    if oauth2_redirect:
        app.add_route(oauth2_redirect, swagger_ui_redirect, include_in_schema=False)
    # after REDOC_JS: a mount answers (404) for every path under it that it is asked about
    app.mount(ASSETS, StaticFiles(directory=ASSET_DIR), name="docs-assets")
