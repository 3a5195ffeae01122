"""The OpenAPI document as the API really answers: every route's error statuses as
problem+json (RFC 9457, as api/problems.py builds them) and the bearer-token scheme.

Done once, centrally, from what each route takes and depends on (a small table of which
problems each kind of route can give), so a route added later is documented the same way
without touching its decorator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from .deps import get_uow
from .problems import PROBLEM
from .route_table import app_routes
from .routes.network import get_road
from .routes.reference import get_province_layer, get_reference

#: Routes anyone may call without a token (the docs are not in the document at all).
OPEN_PATHS = frozenset({"/health"})
#: The security scheme's name; FastAPI's `HTTPBearer()` dependency uses the same one, so
#: declaring it here and there gives one scheme, not two.
BEARER = "HTTPBearer"
#: Query parameters that name a record (an unknown one is a 404, not an empty answer).
LOOKUP_QUERIES = frozenset(
    {"depot", "item", "lot", "from", "to", "province", "level", "hazard_source"}
)

#: The problems each kind of route can give. No route answers 429: nothing throttles,
#: and a retry racing its twin gets a 409.
PROTECTED = (401, 403)  # every route but OPEN_PATHS: the bearer token and its role/depots
INPUT = (422,)  # any parameter or body: request validation, the field named
LOOKUP = (404,)  # a path id, a body, or a query naming a record that may not exist
WRITE = (404, 409, 422)  # a use case's refusals: unknown record, state clash, ledger rule
BODY = (400, 413)  # any request body: undecodable bytes, over the body-size limit
UPLOAD = (400, 413, 415)  # multipart: unreadable, too many rows, neither CSV nor XLSX
DATA = (503,)  # needs the road network or the reference data of data/, which may fail to load
#: The dependencies that load data/ (once per app): a route using one can answer 503.
DATA_LOADERS = frozenset({get_road, get_reference, get_province_layer})
#: The few a route gives beyond its kind (method, path -> statuses).
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    # a chart of a run whose readiness is not computed yet
    ("GET", "/stock-levels/runs/{run_id}/charts/{name}.png"): (409,),
    # a procurement run's outputs before it has finished; comparing unknown runs
    ("GET", "/procurement/runs/{run_id}/workbook.xlsx"): (409,),
    ("GET", "/procurement/runs/{run_id}/charts/{name}.png"): (409,),
    ("GET", "/procurement/compare.png"): (404, 409),
}

DESCRIPTIONS = {
    400: "A body that cannot be read (bytes that are not UTF-8, broken multipart)",
    401: "No bearer token, or a malformed, unknown or revoked one",
    403: "The token's role or depots do not allow this",
    404: "Unknown record (named in `field`)",
    409: "Refused by the current state: stock, a plan's status, or an Idempotency-Key "
    "reused with another body or still in progress",
    413: "Request body or import over its limit",
    415: "Unsupported file type",
    422: "Invalid request: `field` names the offending input, `errors` lists every one",
    503: "The road network or the reference data of data/ could not be loaded",
}
#: FastAPI's own validation-error schemas: problems.py sends a Problem instead, so they
#: go once no route refers to them.
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")


class ProblemError(BaseModel):
    """One offending input of a problem (an import names its row, header = row 1)."""

    field: str
    message: str
    type: str | None = None
    row: int | None = None


class Problem(BaseModel):
    """An RFC 9457 problem, as every error answer of this API is."""

    type: str = Field(description="`about:blank`: the status and title say it all")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="the request's path")
    field: str | None = Field(
        default=None, description="the offending input as sent (`body.quantity`, `depot`)"
    )
    errors: list[ProblemError] | None = None


def install(app: FastAPI) -> None:
    """Wrap `app.openapi` so the document it makes (and remakes when routes are added)
    documents problems and the bearer scheme."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    documented: list[int] = []  # id() of the last document made here

    def openapi() -> dict[str, Any]:
        doc = generate()
        if documented != [id(doc)]:
            document_problems(doc, app)
            documented[:] = [id(doc)]
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def document_problems(doc: dict[str, Any], app: FastAPI) -> None:
    """Give every operation of `doc` its problem responses and security, in place."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_model_schemas())
    doc["components"].setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <token>`; a token is issued once, per user",
    }
    for route in _api_routes(app):
        for method in sorted(route.methods or ()):
            operation = doc["paths"][route.path_format][method.lower()]
            _document_operation(operation, route, method)
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _never_null(parameter["schema"])
    _integer_bounds(doc)
    if "/HTTPValidationError" not in json.dumps(doc["paths"]):
        for name in _FASTAPI_422:
            schemas.pop(name, None)


def problem_statuses(route: APIRoute, method: str) -> list[int]:
    """Which error statuses `route` can answer `method` with, from the table above."""
    tree = list(_dependants(route.dependant))
    calls = {d.call for d in tree}
    body = [f for d in tree for f in d.body_params]
    queries = {f.alias for d in tree for f in d.query_params}
    paths = [f for d in tree for f in d.path_params]
    inputs = body or paths or queries or [f for d in tree for f in d.header_params]
    statuses: set[int] = set(EXTRA.get((method, route.path_format), ()))
    if route.path_format not in OPEN_PATHS:
        statuses.update(PROTECTED)
    if inputs:
        statuses.update(INPUT)
    if paths or body or LOOKUP_QUERIES & queries:
        statuses.update(LOOKUP)
    if body:
        statuses.update(BODY)
    if get_uow in calls and method != "GET":
        statuses.update(WRITE)
    if any(isinstance(f.field_info, params.File) for f in body):
        statuses.update(UPLOAD)
    if DATA_LOADERS & calls:
        statuses.update(DATA)
    return sorted(statuses)


def _document_operation(operation: dict[str, Any], route: APIRoute, method: str) -> None:
    responses = operation.setdefault("responses", {})
    for status in problem_statuses(route, method):
        responses[str(status)] = {
            "description": DESCRIPTIONS[status],
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status == 401:
            responses["401"]["headers"] = {
                "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}
            }
    operation["responses"] = dict(sorted(responses.items()))
    if route.path_format in OPEN_PATHS:
        operation.pop("security", None)
    else:
        operation.setdefault("security", [{BEARER: []}])


def _never_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is absent or a string on the wire, never JSON null: `str | None` is
    documented as the string alone (else a client sends the text `null`)."""
    options = [o for o in schema.get("anyOf", []) if o != {"type": "null"}]
    if len(options) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest}


def _integer_bounds(node: Any) -> None:
    """Bounds of integers as integers (pydantic writes `le=5` as `5.0`), so a generated
    client or fuzzer does not send `5.0` where the API takes only whole numbers."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, float) and value.is_integer():
                    node[key] = int(value)
        for value in node.values():
            _integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _integer_bounds(value)


def _api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The documented API routes (or FastAPI's view of one with its full path, which
    answers the same attributes)."""
    for route in app_routes(app):
        if isinstance(getattr(route, "original_route", route), APIRoute) and (
            route.include_in_schema
        ):
            yield route


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    """A route's dependant and every dependency under it, however deep."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _model_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs: dict[str, Any] = schema.pop("$defs", {})
    return {**defs, "Problem": schema}
