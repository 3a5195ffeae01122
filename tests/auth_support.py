"""Bearer tokens for tests: users made straight in the test database (the CLI's way, no
audit entry), and TestClients that send a user's token on every request."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.accounts_service import token_for
from api.app import create_app
from api.services import Database
from api.settings import Settings

__all__ = ["TEST_ADMIN", "bearer", "client_as", "token_for"]

#: the user the default test client acts as
TEST_ADMIN = "test-admin"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_as(
    db: Database,
    name: str = TEST_ADMIN,
    role: str = "admin",
    depots: Sequence[str] = (),
    *,
    app: FastAPI | None = None,
    raise_server_exceptions: bool = True,
) -> TestClient:
    """A TestClient on `app` (by default a new app on `db`) acting as user `name`."""
    app = app or create_app(Settings(database_url=db.url), database=db)
    return TestClient(
        app,
        headers=bearer(token_for(db, name, role, depots)),
        raise_server_exceptions=raise_server_exceptions,
    )
