"""A pooled PostgreSQL connection killed while it sat idle (a server restart, an idle
timeout) is found by its ping and replaced: the next request never sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from inventory import db as db_module
from inventory.db import make_engine


@pytest.mark.postgres
def test_a_pooled_connection_killed_while_idle_is_pinged_and_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.0)
    engine = make_engine(pg_url, pool_size=1)
    killer = make_engine(pg_url, pool_size=1)
    try:
        with engine.connect() as conn:
            first_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
            conn.commit()
        with engine.connect() as conn:
            second_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second_pid != first_pid
    finally:
        engine.dispose()
        killer.dispose()
