"""Pure rules of authentication and the audit log: what counts as a bearer token, who a
principal may act for, how an audit entry names what it touched."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import cast

import pytest
from starlette.types import Receive, Scope, Send

from api.auth import BearerAuth, Principal, bearer_secret
from api.permissions import PERMISSIONS, PUBLIC
from api.services import Database
from inventory.accounts import ROLES, Account
from inventory.audit import describe_movements

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def test_a_bearer_header_yields_its_token() -> None:
    token = secrets.token_urlsafe(32)

    assert bearer_secret(f"Bearer {token}") == token
    assert bearer_secret(f"bearer  {token}") == token


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer short",
        "Bearer a b c d e f g h",
        "Bearer " + "x" * 200,
        "Bearer abcdefghijklmnop\x00q",
        "Token abcdefghijklmnopqrstu",
    ],
)
def test_anything_but_a_bearer_token_is_no_token(header: str | None) -> None:
    assert bearer_secret(header) is None


def test_only_a_depot_manager_is_scoped_to_depots() -> None:
    manager = Principal.of(Account("m", "depot_manager", ("D-HNI",), True, NOW))
    officer = Principal.of(Account("o", "logistics_officer", (), True, NOW))

    assert manager.depots == frozenset({"D-HNI"})
    assert officer.depots is None


def test_a_batch_of_movements_is_named_by_its_range() -> None:
    assert describe_movements([]) is None
    assert describe_movements([42]) == "movement 42"
    assert describe_movements([7, 9, 8]) == "movements 7-9 (3)"


def test_the_permission_table_names_only_known_roles_and_gives_admins_every_route() -> None:
    for roles in PERMISSIONS.values():
        assert roles is PUBLIC or roles <= set(ROLES)
        assert roles is PUBLIC or "admin" in roles


def test_a_viewer_may_only_read() -> None:
    writes = [key for key, roles in PERMISSIONS.items() if "viewer" in roles and key[0] != "GET"]

    # computations posted for their body, writing nothing: a matrix, a comparison of runs
    assert writes == [("POST", "/network/matrix"), ("POST", "/procurement/compare")]


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("only the rule is asked, no request is passed on")


#: the rules below never look a token up
_NO_DATABASE = cast(Database, None)


def test_an_open_prefix_opens_its_folder_and_no_path_that_merely_begins_alike() -> None:
    auth = BearerAuth(
        _no_app,
        database=_NO_DATABASE,
        open_paths=frozenset({"/health"}),
        open_prefixes=("/files/",),
    )

    assert auth.is_open("/health") and auth.is_open("/files/a.js")
    assert not auth.is_open("/files") and not auth.is_open("/files-b/a.js")
    assert not auth.is_open("/health/x")


@pytest.mark.parametrize("prefix", ["/", "/files", ""])
def test_an_open_prefix_must_be_a_folder_other_than_the_root(prefix: str) -> None:
    with pytest.raises(ValueError, match="open prefix"):
        BearerAuth(_no_app, database=_NO_DATABASE, open_paths=frozenset(), open_prefixes=(prefix,))
