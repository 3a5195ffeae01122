"""The dashboard: static pages served by the API itself, so it works on a network cut off
from the internet (every asset is in api/web/, nothing comes from a CDN). The pages hold
no secret and no data: they call the same token-guarded routes as any other client, so
they are open paths like /docs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import FileResponse

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
#: where the assets are served: /ui/js/core.js is api/web/js/core.js
ASSET_PREFIX = "/ui"


async def dashboard(_request: Request) -> FileResponse:
    """The single page; its script routes between the stock, map, dispatch and plans
    views by the URL's #fragment. A plain Starlette route, like the docs pages: it is not
    an API operation, so it is neither in the OpenAPI document nor in the permission
    table."""
    return FileResponse(WEB_ROOT / "index.html", media_type="text/html; charset=utf-8")


def install(app: FastAPI) -> None:
    app.add_route("/", dashboard, methods=["GET"], include_in_schema=False)
    app.mount(ASSET_PREFIX, StaticFiles(directory=WEB_ROOT), name="web")
