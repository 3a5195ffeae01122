"""Engine and session factories: no module-level engine, so tests build their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, echo: bool = False, pool_size: int = 20) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE so that
    writers serialise instead of failing half-way on a lock upgrade."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Writers queue on the database lock, not on the pool: size the pool like
        # the server's thread pool so readers never wait behind them for a connection.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            **(
                {}
                if parsed.database in (None, "", ":memory:")
                else {"pool_size": pool_size, "max_overflow": pool_size * 2}
            ),
        )
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if readonly_requested(conn) else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions never expire on commit: use cases return values read before commit."""
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def readonly_requested(conn: Any) -> bool:
    """Readers on SQLite skip BEGIN IMMEDIATE (see `make_engine`)."""
    return bool(conn.get_execution_options().get("chemdepot_readonly"))


def reading(engine: Engine) -> Engine:
    """The same engine for transactions that only read: on SQLite they begin with a
    plain BEGIN, a snapshot that does not block writers (see `make_engine`)."""
    return engine.execution_options(chemdepot_readonly=True)
