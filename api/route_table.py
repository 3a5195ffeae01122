"""The app's routes as one flat list with full paths, and the methods a path allows: what
the OpenAPI document and a 405's `Allow` header are built from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing
from starlette.routing import compile_path


def app_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of the app with its full path (`path_format`) and `methods`. FastAPI
    >= 0.165 keeps included routers nested (their routes without the prefix) and
    flattens them in `iter_route_contexts`; older versions list them in `app.routes`."""
    flatten = getattr(routing, "iter_route_contexts", None)
    yield from flatten(app.routes) if flatten else app.routes


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods some route of `path` answers, sorted (empty when no route matches).
    Starlette's own 405 names only the first route that matched the path, although
    e.g. GET and POST /network/closures are two routes."""
    allowed: set[str] = set()
    for route in app_routes(app):
        template = getattr(route, "path_format", None)
        methods = getattr(route, "methods", None)
        if template and methods and compile_path(template)[0].match(path):
            allowed.update(methods)
    return sorted(allowed)
