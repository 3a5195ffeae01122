"""The OpenAPI document is the API: every error status of every route documented as
problem+json, the bearer scheme on every route but /health, and a 405 that says which
methods a path takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from api.app import create_app
from api.openapi import Problem
from api.settings import Settings
from tests.api.api_support import PROBLEM, Api, assert_problem

OPEN = {"/health"}
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """An app whose document is read without touching its (empty) database."""
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'doc.db'}"))


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def takes_input(op: dict[str, Any]) -> bool:
    return bool(op.get("parameters") or op.get("requestBody"))


def test_every_error_status_of_every_route_is_documented_as_problem_json(app: FastAPI) -> None:
    doc = app.openapi()
    assert len(operations(doc)) > 30
    for method, path, op in operations(doc):
        errors = {int(s): r for s, r in op["responses"].items() if s[0] in "45"}
        expected = set() if path in OPEN else {401, 403}
        if takes_input(op):
            expected.add(422)
        assert expected <= errors.keys(), f"{method} {path} documents only {sorted(errors)}"
        for status, response in errors.items():
            content = response.get("content", {})
            assert list(content) == [PROBLEM], f"{method} {path} {status}: {list(content)}"
            assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_successful_answers_keep_their_models(app: FastAPI) -> None:
    doc = app.openapi()
    movement = doc["paths"]["/movements"]["post"]["responses"]["201"]["content"]
    assert movement["application/json"]["schema"] == {"$ref": "#/components/schemas/MovementResult"}
    chart = doc["paths"]["/stock-levels/runs/{run_id}/charts/{name}.png"]["get"]
    assert "image/png" in chart["responses"]["200"]["content"]


def test_the_validation_422_is_documented_as_the_problem_that_is_sent(
    app: FastAPI, api: Api
) -> None:
    doc = app.openapi()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "HTTPValidationError" not in str(doc["paths"])
    documented = doc["paths"]["/stock"]["get"]["responses"]["422"]
    assert documented["content"][PROBLEM]["schema"]["$ref"].endswith("/Problem")
    response = api.client.get("/stock", params={"limit": 0})
    body = assert_problem(response, 422, field="limit")
    sent = Problem.model_validate(body)
    assert sent.errors and sent.errors[0].field == "query.limit"
    assert set(body) <= set(schemas["Problem"]["properties"])


def test_every_route_but_health_needs_the_bearer_token(app: FastAPI) -> None:
    doc = app.openapi()
    assert doc["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["HTTPBearer"]["description"],
    }
    for method, path, op in operations(doc):
        if path in OPEN:
            assert "security" not in op and "401" not in op["responses"], path
        else:
            assert op["security"] == [{"HTTPBearer": []}], f"{method} {path}"


def test_statuses_follow_what_the_route_takes_and_does(app: FastAPI) -> None:
    paths = app.openapi()["paths"]

    def statuses(method: str, path: str) -> set[int]:
        return {int(s) for s in paths[path][method]["responses"] if s[0] in "45"}

    assert statuses("get", "/depots") == {401, 403}
    assert statuses("get", "/depots/{code}") >= {404, 422}
    assert 409 not in statuses("get", "/depots/{code}")
    assert statuses("post", "/movements") >= {400, 404, 409, 413, 422}
    assert statuses("post", "/movements/import") >= {400, 413, 415, 422}
    assert 503 in statuses("post", "/network/matrix")  # the road network may fail to load
    assert 409 not in statuses("post", "/network/matrix")  # reads, writes nothing
    assert 404 in statuses("get", "/stock")  # `depot=` names a depot that may not exist
    assert 404 not in statuses("get", "/items")  # `category=` only filters
    assert all(429 not in statuses(m.lower(), p) for m, p, _ in operations(app.openapi()))


class Note(BaseModel):
    """The body of a route that exists only in a test."""

    text: str


def test_a_route_added_later_is_documented_too(app: FastAPI) -> None:
    @app.post("/notes/{note_id}", status_code=201)
    def post_note(note_id: int, body: Note) -> Note:
        return body

    app.openapi_schema = None
    op = app.openapi()["paths"]["/notes/{note_id}"]["post"]
    assert {"400", "401", "403", "404", "413", "422"} <= op["responses"].keys()
    assert op["responses"]["422"]["content"][PROBLEM]
    assert op["security"] == [{"HTTPBearer": []}]


def test_parameters_are_never_documented_as_null(app: FastAPI) -> None:
    for method, path, op in operations(app.openapi()):
        for parameter in op.get("parameters", []):
            assert "null" not in str(parameter["schema"]), f"{method} {path} {parameter}"


def test_integer_bounds_are_written_as_integers(app: FastAPI) -> None:
    quantity = app.openapi()["components"]["schemas"]["IssueCreate"]["properties"]["quantity"]
    assert quantity["type"] == "integer"
    assert type(quantity["maximum"]) is int
    assert type(quantity["exclusiveMinimum"]) is int


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("TRACE", "/depots", "GET"),
        ("PUT", "/network/closures", "GET, POST"),  # two routes share the path
        ("OPTIONS", "/network/closures/3", "DELETE"),
        ("PATCH", "/stock-levels/runs/1/charts/by-zone.png", "GET"),
        ("TRACE", "/health", "GET"),
    ],
)
def test_an_unsupported_method_is_a_405_that_lists_the_allowed_ones(
    api: Api, method: str, path: str, allowed: str
) -> None:
    response = api.client.request(method, path)
    body = assert_problem(response, 405)
    assert response.headers["allow"] == allowed
    assert allowed in body["detail"]


def test_an_unknown_path_is_a_404_whatever_the_method(api: Api) -> None:
    response = api.client.request("TRACE", "/no-such-thing")
    assert_problem(response, 404)
    assert "allow" not in response.headers
