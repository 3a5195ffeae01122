"""Bearer tokens and roles. Authentication is a middleware, so that a request without a
valid token is refused (401) before its body is even read; authorisation is one
dependency on every route, reading the permission table (403)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from inventory.accounts import DEPOT_MANAGER, Account, account_for_token

from . import offline_docs
from .permissions import PERMISSIONS, PUBLIC, allowed
from .problems import ApiProblem, problem
from .services import Database

#: where the middleware leaves the principal for the dependencies
_SCOPE_KEY = "chemdepot.principal"
#: what `secrets.token_urlsafe` makes, with room to spare; anything else is malformed
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,128}")

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A token from `chemdepot tokens issue NAME` or `POST /users/{name}/tokens`.",
)


@dataclass(frozen=True)
class Principal:
    """The user a request acts as: name, role and, for a depot manager, its depots."""

    name: str
    role: str
    depots: frozenset[str] | None

    @classmethod
    def of(cls, account: Account) -> Principal:
        scoped = account.role == DEPOT_MANAGER
        return cls(account.name, account.role, frozenset(account.depots) if scoped else None)


def bearer_secret(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None if it is not one."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        return None
    return token


def _lookup(db: Database, secret: str) -> Account | None:
    """One statement on a read connection (no ORM session): every request pays for it."""
    with db.single_reads.connect() as conn:
        return account_for_token(conn, secret)


class BearerAuth:
    """Every request but the open paths, and those under an open prefix (a folder of
    static files, e.g. `/docs-assets/`), must carry a live token of an active user."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        open_paths: frozenset[str],
        open_prefixes: tuple[str, ...] = (),
    ) -> None:
        if any(not prefix.endswith("/") or prefix == "/" for prefix in open_prefixes):
            raise ValueError(f"an open prefix is a folder other than /: {open_prefixes}")
        self.app = app
        self.db = database
        self.open_paths = open_paths
        self.open_prefixes = open_prefixes

    def is_open(self, path: str) -> bool:
        return path in self.open_paths or path.startswith(self.open_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        secret = bearer_secret(header)
        account = None if secret is None else await run_in_threadpool(_lookup, self.db, secret)
        if account is None:
            await _unauthorised(scope, header, secret)(scope, receive, send)
            return
        scope[_SCOPE_KEY] = Principal.of(account)
        await self.app(scope, receive, send)


def _unauthorised(scope: Scope, header: str | None, secret: str | None) -> JSONResponse:
    if header is None:
        detail, challenge = "send `Authorization: Bearer <token>`", 'Bearer realm="chemdepot"'
    else:
        detail = (
            "the Authorization header is not `Bearer <token>`"
            if secret is None
            else "the token is unknown or revoked"
        )
        challenge = 'Bearer realm="chemdepot", error="invalid_token"'
    response = problem(401, "Unauthorised", detail, Request(scope), field="header.Authorization")
    response.headers["WWW-Authenticate"] = challenge
    return response


def open_paths(app: FastAPI) -> frozenset[str]:
    """/health and the documentation answer without a token."""
    paths = {path for (_method, path), roles in PERMISSIONS.items() if roles is PUBLIC}
    for path in (
        app.openapi_url,
        app.docs_url,
        app.redoc_url,
        app.swagger_ui_oauth2_redirect_url,
        offline_docs.DOCS,
        offline_docs.REDOC,
    ):
        if path:
            paths.add(path)
    return frozenset(paths)


def open_prefixes() -> tuple[str, ...]:
    """Folders of files anyone may fetch: the docs pages' scripts and styles."""
    return (f"{offline_docs.ASSETS}/",)


def current_principal(request: Request) -> Principal:
    principal: Principal | None = request.scope.get(_SCOPE_KEY)
    if principal is None:  # only if the middleware is missing: refuse, never guess
        raise ApiProblem(401, "Unauthorised", "no token was checked for this request")
    return principal


async def authorize(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """The permission table, applied to every route: 403 for a role it does not list.
    `async`: it only reads the table, so it runs on the event loop, not in a thread."""
    route = request.scope.get("route")
    roles = allowed(request.method, str(getattr(route, "path", "")))
    if roles is PUBLIC:
        return
    principal = current_principal(request)
    if roles is None or principal.role not in roles:
        raise ApiProblem(
            403,
            "Forbidden",
            f"a {principal.role} may not call {request.method} {getattr(route, 'path', '')}",
        )
