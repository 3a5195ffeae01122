"""Engine and session factories: no module-level engine, so tests build their own."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = 20, autocommit: bool = False
) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE so that
    writers serialise instead of failing half-way on a lock upgrade. `autocommit`
    (PostgreSQL): every connection of the pool stays in autocommit, for one-statement
    reads and claims; an autocommit *option* on a shared pool switches each connection
    on checkout and back on checkin, which cost more than the statement itself."""
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
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    _ping_when_idle(engine)
    return engine


#: a pooled connection idle longer than this is pinged before it is handed out
PING_AFTER_IDLE_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, as `pool_pre_ping` does, but only for a connection
    that sat idle in the pool (where a server restart or an idle timeout can kill it):
    under load a connection checked in a moment ago is handed out without the extra
    `SELECT 1` round trip every checkout would otherwise pay. A failed ping discards the
    connection and the pool tries another."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


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
        # Straight to the driver: every transaction runs this, and a statement through
        # SQLAlchemy's execution (events, a result object) costs several times more.
        begin = "BEGIN" if readonly_requested(conn) else "BEGIN IMMEDIATE"
        conn.connection.dbapi_connection.execute(begin)


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
