"""The FastAPI app factory: no module-level app state, so tests build their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import problems
from .routes import dispatch, network, stock
from .services import Database
from .settings import Settings


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="chemdepot",
        version="0.1.0",
        summary="Chemical-equipment depots: stock of record, dispatch and planning "
        "(Decision 1251/QĐ-TTg).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.road = None  # loaded on first use: see routes.network.get_road
    problems.install(app)
    app.include_router(stock.router)
    app.include_router(network.router)
    app.include_router(dispatch.router)
    return app
