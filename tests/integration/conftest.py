"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.services import Database
from inventory.db import make_engine
from tests.ledger_world import build_world


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> Iterator[Database]:
    """The tiny hand-made world of `tests/ledger_world.py`, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{request.getfixturevalue('tmp_path')}/world.db"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    build_world(engine)
    engine.dispose()
    db = Database(url)
    yield db
    db.dispose()
