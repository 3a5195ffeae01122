"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from inventory.db import make_engine
from inventory.migrate import downgrade, upgrade
from inventory.models import Base


def test_the_migrated_schema_matches_the_models(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_go_down_and_up_again(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    downgrade(engine, "base")
    assert "movements" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "movements" in inspect(engine).get_table_names()
    engine.dispose()
