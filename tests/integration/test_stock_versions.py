"""The database keeps each depot's stock version itself (migration 0013's triggers): every
change a stock page shows gives the depot a new version, and a change elsewhere leaves
every version as it was, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from api.services import Database
from inventory.models import Balance, Condition, Location, LocationKind, Lot
from inventory.stock_versions import depot_stock_version, stock_versions


def _versions(db: Database) -> dict[int, int]:
    with db.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(select(stock_versions))}


def _changed(before: dict[int, int], after: dict[int, int]) -> set[int]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _held_lot(db: Database) -> tuple[str, int, int]:
    """(depot, depot location id, lot id) of a numbered lot on hand at a depot."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(Location.depot_code, Location.id, Balance.lot_id)
            .join(Location, Location.id == Balance.location_id)
            .join(Lot, Lot.id == Balance.lot_id)
            .where(
                Location.kind == LocationKind.DEPOT,
                Balance.on_hand > 0,
                Lot.lot_no.is_not(None),
            )
            .order_by(Balance.location_id, Balance.lot_id)
            .limit(1)
        ).one()
    return str(row[0]), int(row[1]), int(row[2])


def _write(db: Database, statement: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(statement)


def test_every_depot_location_has_a_version_and_no_virtual_location_has_one(
    seeded_db: Database,
) -> None:
    # the seed makes the locations after the migrations ran: their trigger made these rows
    with seeded_db.engine.connect() as conn:
        depots = set(conn.scalars(select(Location.id).where(Location.kind == LocationKind.DEPOT)))
    assert set(_versions(seeded_db)) == depots


def test_a_balance_changed_at_a_depot_changes_that_depots_version_only(
    seeded_db: Database,
) -> None:
    depot, location, lot = _held_lot(seeded_db)
    before = _versions(seeded_db)
    _write(
        seeded_db,
        update(Balance)
        .where(Balance.location_id == location, Balance.lot_id == lot)
        .values(on_hand=Balance.on_hand + 1),
    )
    after = _versions(seeded_db)
    assert _changed(before, after) == {location}
    with seeded_db.engine.connect() as conn:
        assert depot_stock_version(conn, depot) == after[location]
    _write(
        seeded_db,
        delete(Balance).where(Balance.location_id == location, Balance.lot_id == lot),
    )
    assert _changed(after, _versions(seeded_db)) == {location}


def test_a_balance_changed_at_a_virtual_location_changes_no_version(
    seeded_db: Database,
) -> None:
    before = _versions(seeded_db)
    with seeded_db.engine.begin() as conn:
        supplier = conn.scalar(select(Location.id).where(Location.kind == LocationKind.SUPPLIER))
        conn.execute(
            update(Balance).where(Balance.location_id == supplier).values(on_hand=Balance.on_hand)
        )
    assert _changed(before, _versions(seeded_db)) == set()


def test_a_lots_new_condition_changes_the_version_of_every_depot_holding_it(
    seeded_db: Database,
) -> None:
    _depot, _location, lot = _held_lot(seeded_db)
    with seeded_db.engine.connect() as conn:
        holders = set(
            conn.scalars(
                select(Balance.location_id)
                .join(Location, Location.id == Balance.location_id)
                .where(Balance.lot_id == lot, Location.kind == LocationKind.DEPOT)
            )
        )
    before = _versions(seeded_db)
    _write(seeded_db, update(Lot).where(Lot.id == lot).values(condition=Condition.QUARANTINED))
    assert _changed(before, _versions(seeded_db)) == holders
