"""Fixtures of the HTTP API tests: an `Api` on a fresh seeded SQLite copy per test (or on
both SQLite and PostgreSQL for the key tests), and facts about the seeded dataset read
through the API once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.services import Database
from tests.api.api_support import Api, Facts
from tests.auth_support import client_as


def _client(db: Database) -> TestClient:
    """The API acting as an admin (a user and token made in `db`)."""
    return client_as(db)


@pytest.fixture
def api(seeded_sqlite: Database) -> Api:
    """The API on a fresh copy of the seeded SQLite database."""
    return Api(_client(seeded_sqlite))


@pytest.fixture
def any_api(seeded_db: Database) -> Api:
    """The API on the seeded dataset, once on SQLite and once on PostgreSQL."""
    return Api(_client(seeded_db))


@pytest.fixture(scope="session")
def facts(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Facts:
    """Depots, items and every lot on hand of the seeded dataset (read from a copy, so
    the template stays untouched). PostgreSQL is seeded from the same files and seed
    moment, so these facts hold there too."""
    path = tmp_path_factory.mktemp("facts") / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        return Facts.read(Api(_client(db)))
    finally:
        db.dispose()
