"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from api.services import Database, post_movement
from inventory.commands import Receipt, TransferOut, TransferReceive
from inventory.db import make_engine
from inventory.migrate import downgrade, upgrade
from inventory.models import Base
from tests.ledger_world import NOW, build_world


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


def test_upgrading_to_0012_ties_existing_transfers_to_their_two_ledger_lines(
    sqlite_url: str,
) -> None:
    """Transfers made before 0012 get their out and in movements from the ledger: the
    movement of the same kind, lot, quantity and depot at the transfer's instant."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    build_world(engine)
    db = Database(sqlite_url)
    post_movement(
        db.uow(), Receipt(depot="D-AAA", item="BOOM", quantity=9), key="r", actor="t", now=NOW
    )
    shipped = [
        post_movement(
            db.uow(),
            TransferOut(from_depot="D-AAA", to_depot="D-BBB", item="BOOM", quantity=3),
            key=f"ship-{n}",
            actor="t",
            now=NOW + dt.timedelta(minutes=n),
        )[0]
        for n in range(2)
    ]
    first = int(shipped[0]["transfer_id"])  # type: ignore[call-overload]
    arrived = post_movement(db.uow(), TransferReceive(first), key="in", actor="t", now=NOW)[0]
    db.dispose()
    links = "SELECT id, out_movement_id, in_movement_id FROM transfers ORDER BY id"
    with engine.connect() as conn:
        before = conn.execute(text(links)).all()

    downgrade(engine, "0011")
    upgrade(engine)

    with engine.connect() as conn:
        after = conn.execute(text(links)).all()
    engine.dispose()
    assert after == before
    assert [row[1] for row in after] == [s["movement_ids"][0] for s in shipped]  # type: ignore[index]
    assert [row[2] for row in after] == [arrived["movement_ids"][0], None]  # type: ignore[index]
