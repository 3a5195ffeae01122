"""Shared fixtures: a seeded SQLite database per test (copied from one seeded
template), a seeded PostgreSQL database per test (cloned from a template database
made once per run). PostgreSQL is required under CI=true and skipped otherwise
when the server does not answer."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine.url import make_url

from api.services import Database, init_database
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
#: Every seeded test database uses the same seed moment, so date offsets are predictable.
SEED_NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
PG_ADMIN_URL = os.environ.get(
    "CHEMDEPOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_problem() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).splitlines()[0]
    return None


def _pg_database_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Admin URL of the PostgreSQL server; under CI a missing server fails the run."""
    problem = _pg_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    yield PG_ADMIN_URL


def _create_pg_database(admin_url: str, template: str | None = None) -> str:
    name = f"chemdepot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    return name


def _drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A brand-new empty PostgreSQL database for one test, dropped afterwards."""
    name = _create_pg_database(pg_server)
    try:
        yield _pg_database_url(name)
    finally:
        _drop_pg_database(pg_server, name)


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """A seeded PostgreSQL database that per-test databases are cloned from."""
    name = _create_pg_database(pg_server)
    init_database(Settings(database_url=_pg_database_url(name), data_dir=DATA), now=SEED_NOW)
    try:
        yield name
    finally:
        _drop_pg_database(pg_server, name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file, checkpointed so that a plain copy is complete."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    init_database(Settings(database_url=f"sqlite:///{path}", data_dir=DATA), now=SEED_NOW)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'chemdepot.db'}"


@pytest.fixture
def seeded_sqlite(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "seeded.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def seeded_pg(pg_server: str, pg_template: str) -> Iterator[Database]:
    name = _create_pg_database(pg_server, template=pg_template)
    db = Database(_pg_database_url(name))
    try:
        yield db
    finally:
        db.dispose()
        _drop_pg_database(pg_server, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded_db(request: pytest.FixtureRequest) -> Database:
    """The seeded dataset, on SQLite and on PostgreSQL."""
    fixture = "seeded_sqlite" if request.param == "sqlite" else "seeded_pg"
    db: Database = request.getfixturevalue(fixture)
    return db
