"""The role x route matrix: the README's table is the permission table, every route of the
app is in it, and for every route and role a request is allowed or refused (403) exactly
as the table says. Requests carry ids that do not exist and bodies of the wrong shape, so an
allowed write ends in a 404 or 422 rather than doing work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.permissions import PERMISSIONS, PUBLIC, markdown_table
from api.services import Database
from api.settings import Settings
from inventory.accounts import DEPOT_MANAGER, ROLES
from tests.api.api_support import PROBLEM
from tests.auth_support import bearer, token_for

README = Path(__file__).resolve().parents[2] / "README.md"
#: a value for each path parameter that names nothing
_MISSING = {"name": "nobody", "token_id": "nope", "code": "NOPE", "depot": "NOPE", "item": "NOPE"}


def _app_routes() -> set[tuple[str, str]]:
    paths = create_app(Settings(database_url="sqlite://")).openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _MISSING.get(m.group(1), "999999"), path)


def test_every_route_of_the_app_is_in_the_permission_table() -> None:
    assert _app_routes() - set(PERMISSIONS) == set()


def test_the_permission_table_names_no_route_the_app_lacks() -> None:
    assert set(PERMISSIONS) - _app_routes() == set()


def test_the_readme_holds_the_permission_table_as_it_is() -> None:
    assert markdown_table() in README.read_text(encoding="utf-8")


def test_every_route_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f"{m} {p}" for m, p in _app_routes() if f"| `{m} {p}` |" not in text]
    assert missing == []


@pytest.fixture(scope="module")
def clients(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TestClient]:
    """One app, one client per role (the depot manager scoped to one depot)."""
    path = tmp_path_factory.mktemp("matrix") / "seeded.db"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    app = create_app(Settings(database_url=db.url), database=db)
    depot = TestClient(app, headers=bearer(token_for(db, "matrix-admin"))).get("/depots").json()
    return {
        role: TestClient(
            app,
            headers=bearer(
                token_for(
                    db, f"matrix-{role}", role, [depot[0]["code"]] if role == DEPOT_MANAGER else []
                )
            ),
        )
        for role in ROLES
    }


@pytest.mark.parametrize(("method", "path"), sorted(PERMISSIONS))
def test_each_role_is_allowed_or_refused_as_the_table_says(
    clients: dict[str, TestClient], method: str, path: str
) -> None:
    allowed = PERMISSIONS[(method, path)]
    for role in ROLES:
        # a JSON array is no request body's shape: an allowed write ends in a 422
        body = {"json": []} if method in ("POST", "PUT", "PATCH") else {}
        response = clients[role].request(method, _concrete(path), **body)
        if allowed is PUBLIC or role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
