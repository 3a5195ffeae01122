"""The FastAPI app factory: no module-level app state, so tests build their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from . import offline_docs, openapi, problems
from .auth import BearerAuth, authorize, open_paths, open_prefixes
from .jobs import JobRunner, interrupt_unfinished_jobs
from .limits import BodySizeLimit
from .readiness_service import ReadinessCache
from .routes import accounts, dispatch, levels, network, reference, serials, stock, transfers, web
from .routes import jobs as job_routes
from .routes import procurement as procurement_routes
from .routes import sea as sea_routes
from .services import Database
from .settings import Settings


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = database or Database(settings.database_url)
    runner = JobRunner(settings.job_workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        interrupt_unfinished_jobs(db)  # a previous process's jobs will never finish
        yield
        runner.shutdown(wait=False)
        if database is None:
            db.dispose()

    app = FastAPI(
        title="chemdepot",
        version="0.1.0",
        summary="Chemical-equipment depots: stock of record, dispatch and planning "
        "(Decision 1251/QĐ-TTg).",
        lifespan=lifespan,
        dependencies=[Depends(authorize)],
        docs_url=None,  # offline_docs serves them without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.jobs = runner
    app.state.readiness_cache = ReadinessCache()
    app.state.road = None  # loaded on first use: see routes.network.get_road
    problems.install(app)
    openapi.install(app)
    offline_docs.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(stock.router)
    app.include_router(transfers.router)
    app.include_router(serials.router)
    app.include_router(network.router)
    app.include_router(sea_routes.router)
    app.include_router(reference.router)
    app.include_router(dispatch.router)
    app.include_router(job_routes.router)
    app.include_router(levels.router)
    app.include_router(procurement_routes.router)
    app.include_router(accounts.router)
    web.install(app)
    app.add_middleware(
        BearerAuth,
        database=db,
        open_paths=open_paths(app) | {"/"},
        open_prefixes=(*open_prefixes(), f"{web.ASSET_PREFIX}/"),
    )
    return app
