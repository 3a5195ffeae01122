"""GET /me (who a token acts as and what its role may call: the dashboard shows only
that) and the dashboard's files, which answer without a token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.permissions import PERMISSIONS, PUBLIC
from api.routes.web import WEB_ROOT
from api.services import Database
from tests.auth_support import client_as


def test_me_names_a_depot_manager_its_depots_and_only_the_routes_its_role_may_call(
    seeded_sqlite: Database,
) -> None:
    with client_as(seeded_sqlite, "kho-hn", "depot_manager", ["D-HNI"]) as client:
        me = client.get("/me").json()

    assert (me["name"], me["role"], me["depots"]) == ("kho-hn", "depot_manager", ["D-HNI"])
    assert "POST /movements" in me["may"]
    assert "POST /incidents" not in me["may"]
    assert "GET /users" not in me["may"]
    expected = {
        f"{m} {p}"
        for (m, p), roles in PERMISSIONS.items()
        if roles is PUBLIC or "depot_manager" in roles
    }
    assert set(me["may"]) == expected


def test_me_without_a_token_is_a_401(seeded_sqlite: Database) -> None:
    with client_as(seeded_sqlite) as client:
        anonymous = TestClient(client.app)
        assert anonymous.get("/me").status_code == 401


def test_the_dashboard_and_its_assets_answer_without_a_token_and_name_no_other_host(
    seeded_sqlite: Database,
) -> None:
    with client_as(seeded_sqlite) as client:
        anonymous = TestClient(client.app)
        page = anonymous.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assets = [p for p in WEB_ROOT.rglob("*") if p.is_file() and p.name != "index.html"]
        assert assets
        for path in assets:
            served = anonymous.get(f"/ui/{path.relative_to(WEB_ROOT).as_posix()}")
            assert served.status_code == 200, path
            # an XML namespace (www.w3.org) is a name, never fetched
            assert not re.search(
                r"https?://(?!127\.0\.0\.1|localhost|www\.w3\.org/2000/svg)", served.text
            ), path
        assert not re.search(r"(src|href)=\"https?://", page.text)


def test_an_unknown_file_under_the_dashboard_folder_is_a_404_not_a_leak(
    seeded_sqlite: Database,
) -> None:
    with client_as(seeded_sqlite) as client:
        anonymous = TestClient(client.app)
        assert "[project]" not in anonymous.get("/ui/../../pyproject.toml").text
        assert anonymous.get("/ui/js/nope.js").status_code == 404
        assert anonymous.get("/stock").status_code == 401
