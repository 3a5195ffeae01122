"""Typed FastAPI dependencies: the database, a unit of work, a read session, the acting
user, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from sqlalchemy.orm import Session

from inventory.audit import Acting
from inventory.uow import UnitOfWork

from .auth import Principal, current_principal
from .jobs import JobRunner
from .limits import MAX_OFFSET, MAX_PAGE_SIZE
from .services import Database
from .settings import Settings

# Dependencies that only read the app's state are `async def`: FastAPI runs a plain `def`
# dependency in its thread pool, a hop that costs more than the dependency itself.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_read_session(db: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with db.readers() as session:
        yield session


def get_uow(
    request: Request,
    db: Annotated[Database, Depends(get_database)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> UnitOfWork:
    """A fresh unit of work per request: the use case opens, commits or rolls it back. It
    carries the principal: their depot scope binds the ledger, and a write's commit
    appends its audit entry (reads that cache a figure leave none)."""
    route = request.scope.get("route")
    params = request.path_params
    acting = Acting(
        user=principal.name,
        kind=str(getattr(route, "name", "") or request.url.path),
        method=request.method,
        path=request.url.path,
        depots=principal.depots,
        status=int(getattr(route, "status_code", None) or 200),
        target=", ".join(f"{k}={v}" for k, v in params.items()) or None,
        audited=request.method not in ("GET", "HEAD"),
    )
    return db.uow(acting)


def get_actor(principal: Annotated[Principal, Depends(current_principal)]) -> str:
    """Who acts: the user the bearer token belongs to."""
    return principal.name


class Paging:
    def __init__(self, limit: int = 100, offset: int = 0) -> None:
        self.limit = limit
        self.offset = offset


async def get_paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


OptionalIdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Optional client-generated key (e.g. a UUID): a retry with the same key "
        "and body returns the first answer and creates nothing; with another body it is "
        "refused (409).",
    ),
]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Client-generated key (e.g. a UUID): a retry with the same key and body "
        "returns the first answer and posts nothing; with another body it is refused (409).",
    ),
]


def get_job_runner(request: Request) -> JobRunner:
    """The app's job runner (worker processes for long solves)."""
    runner: JobRunner = request.app.state.jobs
    return runner


SettingsDep = Annotated[Settings, Depends(get_settings)]
JobRunnerDep = Annotated[JobRunner, Depends(get_job_runner)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ReadSession = Annotated[Session, Depends(get_read_session)]
Uow = Annotated[UnitOfWork, Depends(get_uow)]
Actor = Annotated[str, Depends(get_actor)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PagingDep = Annotated[Paging, Depends(get_paging)]

#: Row ids in paths: positive and within PostgreSQL's integer range, so a huge id is a 404
#: or 422 rather than a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
