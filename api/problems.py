"""RFC 9457 problem+json for every error, mapped from domain errors in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from inventory.errors import (
    ConflictError,
    ForbiddenError,
    IdempotencyRaceError,
    InsufficientStockError,
    InventoryError,
    NotFoundError,
    UnusableStockError,
    ValidationError,
)
from network.errors import (
    InvalidLocationError,
    InvalidOverlayError,
    MatrixTooLargeError,
    NetworkError,
    NoRoadLinkError,
    UnknownBoatError,
    UnknownEdgeError,
    UnknownNodeError,
)
from optimizer.errors import InvalidProblemError

from .route_table import allowed_methods

log = logging.getLogger("chemdepot.api")

PROBLEM = "application/problem+json"

_STATUS: list[tuple[type[InventoryError], int, str]] = [
    (NotFoundError, 404, "Not found"),
    (ForbiddenError, 403, "Forbidden"),
    (InsufficientStockError, 409, "Insufficient stock"),
    (UnusableStockError, 409, "Stock not usable"),
    (ConflictError, 409, "Conflict"),
    (IdempotencyRaceError, 409, "Request in progress"),
    (ValidationError, 422, "Invalid request"),
]


_NETWORK_STATUS: list[tuple[type[NetworkError], int, str]] = [
    (UnknownNodeError, 404, "Unknown node"),
    (UnknownEdgeError, 404, "Unknown edge"),
    (UnknownBoatError, 404, "Unknown boat"),
    (NoRoadLinkError, 422, "No road link"),
    (InvalidLocationError, 422, "Invalid location"),
    (InvalidOverlayError, 422, "Invalid closure"),
    (MatrixTooLargeError, 422, "Matrix too large"),
]


class ApiProblem(Exception):
    """A problem raised by the API layer itself (bad upload, bad query combination)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
        self.errors = errors


class PlanCheckError(Exception):
    """The solver returned a plan that fails the solver-independent checks: a bug in the
    solver, answered as a 500 that names it; the plan is not stored."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("; ".join(violations))
        self.violations = violations


class ReplayedRefusal(Exception):
    """A retry of a request that was refused: answered with the first refusal, as stored
    against its Idempotency-Key (`body`: the problem without `type` and `instance`)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("detail", ""))
        self.status = status
        self.body = body


def refusal_of(exc: BaseException) -> tuple[int, dict[str, Any]] | None:
    """The 4xx problem a use case's error is answered with, as (status, body without `type`
    and `instance`); None for anything else (a server error, a key still in use)."""
    if isinstance(exc, IdempotencyRaceError):
        return None
    if isinstance(exc, InventoryError):
        status, title = _inventory_status(exc)
        return status, _body(title, exc.message, exc.field)
    if isinstance(exc, NetworkError):
        status, title = _network_status(exc)
        return status, _body(title, exc.message, exc.field)
    if isinstance(exc, InvalidProblemError):
        return 422, _body("Invalid problem", str(exc))
    if isinstance(exc, ApiProblem) and exc.status < 500:
        return exc.status, _body(exc.title, exc.detail, exc.field, exc.errors)
    return None


def _body(
    title: str, detail: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"title": title, "detail": detail}
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return body


def _inventory_status(exc: InventoryError) -> tuple[int, str]:
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title
    return 400, "Bad request"


def _network_status(exc: NetworkError) -> tuple[int, str]:
    for cls, status, title in _NETWORK_STATUS:
        if isinstance(exc, cls):
            return status, title
    return 422, "Invalid request"


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


#: Tags of the tagged unions in request bodies; pydantic puts them in error locations.
UNION_TAGS = frozenset(
    {"receipt", "issue", "transfer", "transfer_receive", "count", "write_off", "reversal"}
)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    """`body.receipt.quantity` -> `body.quantity`: name the field as the client sent it."""
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body" and parts[1] in UNION_TAGS:
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def _field(error: Any) -> str:
    """Errors about a missing or unknown union tag are about the `type` field."""
    loc = _loc(error.get("loc", ()))
    if error.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        return f"{loc}.type"
    return loc


_HTTP_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}


def install(app: FastAPI) -> None:
    @app.exception_handler(InventoryError)
    async def _inventory(request: Request, exc: InventoryError) -> JSONResponse:
        status, title = _inventory_status(exc)
        headers = None
        if isinstance(exc, IdempotencyRaceError):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return problem(status, title, exc.message, request, field=exc.field, headers=headers)

    @app.exception_handler(NetworkError)
    async def _network(request: Request, exc: NetworkError) -> JSONResponse:
        status, title = _network_status(exc)
        return problem(status, title, exc.message, request, field=exc.field)

    @app.exception_handler(ReplayedRefusal)
    async def _replayed(request: Request, exc: ReplayedRefusal) -> JSONResponse:
        body = exc.body
        return problem(
            exc.status,
            body["title"],
            body["detail"],
            request,
            field=body.get("field"),
            errors=body.get("errors"),
            headers={"Idempotent-Replayed": "true"},
        )

    @app.exception_handler(InvalidProblemError)
    async def _optimizer(request: Request, exc: InvalidProblemError) -> JSONResponse:
        return problem(422, "Invalid problem", str(exc), request)

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(
            exc.status, exc.title, exc.detail, request, field=exc.field, errors=exc.errors
        )

    @app.exception_handler(PlanCheckError)
    async def _plan_check(request: Request, exc: PlanCheckError) -> JSONResponse:
        log.error("dispatch plan failed its checks on %s: %s", request.url.path, exc)
        return problem(
            500,
            "Dispatch plan failed its checks",
            "the solver returned a plan that breaks the books (a solver bug); nothing was "
            "stored: " + "; ".join(exc.violations[:3]),
            request,
            errors=[{"field": "plan", "message": v, "type": "plan_check"} for v in exc.violations],
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(e), "message": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors()
        ]
        first = errors[0]["field"] if errors else None
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(422, "Invalid request", detail, request, field=first, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        headers = dict(exc.headers or {})
        detail = str(exc.detail)
        if exc.status_code == 405:
            allowed = allowed_methods(request.app, request.scope["path"])
            headers["Allow"] = ", ".join(allowed) or headers.get("Allow", "")
            detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
        return problem(exc.status_code, title, detail, request, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "Internal error", "the server failed; nothing was written", request)
