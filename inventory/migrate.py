"""Schema migrations through Alembic, configured in code (no alembic.ini to find)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` on this engine."""
    cfg = alembic_config()
    with engine.connect() as conn, _foreign_keys_checked_after(conn):
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn, _foreign_keys_checked_after(conn):
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


@contextmanager
def _foreign_keys_checked_after(conn: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it, dropping the old one and renaming the copy;
    with foreign keys enforced, dropping a table that others reference fails. The
    documented procedure: enforcement off outside any transaction, then
    `foreign_key_check` before it is turned back on."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def head_revision() -> str:
    """The revision this code's models describe (the newest migration)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the migrations directory holds no revision")
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision a database is migrated to; None when it was never migrated."""
    return MigrationContext.configure(conn).get_current_revision()
