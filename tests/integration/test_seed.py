"""The seeded database holds exactly what data/README.md says it holds."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from api.services import Database
from inventory.checks import check_ledger
from inventory.ledger import local_date
from inventory.models import (
    Balance,
    Condition,
    Depot,
    Item,
    ItemSubstitute,
    Location,
    LocationKind,
    Lot,
    Movement,
    Province,
    StockPolicy,
    Tracking,
    VehicleType,
)
from inventory.queries import alerts
from tests.conftest import DATA, SEED_NOW


def readme_counts() -> dict[str, int]:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    section = text.split("## What the seed holds", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*([^|]+?)\s*\|\s*(\d+)\s*\|\s*$", section, flags=re.M)
    return {label: int(value) for label, value in rows}


def _count(session: Session, stmt: object) -> int:
    return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def _lots(session: Session, tracking: Tracking, *conds: object) -> int:
    return _count(
        session,
        select(func.count())
        .select_from(Lot)
        .join(Item, Item.code == Lot.item_code)
        .where(Item.tracking == tracking, Lot.is_bulk.is_(False), *conds),  # type: ignore[arg-type]
    )


def measured(session: Session, label: str, today: dt.date) -> int:
    """What the database says for one README row."""
    simple: dict[str, Callable[[], int]] = {
        "provinces": lambda: _count(session, select(func.count()).select_from(Province)),
        "depots": lambda: _count(session, select(func.count()).select_from(Depot)),
        "items": lambda: _count(session, select(func.count()).select_from(Item)),
        "items with a shelf life": lambda: _count(
            session, select(func.count()).where(Item.shelf_life_days.is_not(None))
        ),
        "items with a calibration interval": lambda: _count(
            session, select(func.count()).where(Item.calibration_interval_days.is_not(None))
        ),
        "items with substitutes": lambda: _count(
            session, select(func.count(distinct(ItemSubstitute.item_code)))
        ),
        "opening_stock rows": lambda: _count(
            session, select(func.count()).select_from(Movement).where(Movement.reason == "opening")
        ),
        "depot x item pairs in opening stock": lambda: _count(
            session,
            select(func.count()).select_from(
                select(Movement.to_location_id, Movement.item_code)
                .where(Movement.reason == "opening")
                .distinct()
                .subquery()
            ),
        ),
        "lots (rows of lot-tracked items)": lambda: _lots(session, Tracking.LOT),
        "serials (rows of serial-tracked items)": lambda: _lots(session, Tracking.SERIAL),
        "untracked rows (tracking none)": lambda: _count(
            session,
            select(func.count())
            .select_from(Movement)
            .join(Lot, Lot.id == Movement.lot_id)
            .where(Movement.reason == "opening", Lot.is_bulk.is_(True)),
        ),
        "total units on hand": lambda: _count(
            session,
            select(func.sum(Balance.on_hand))
            .join(Location)
            .where(Location.kind == LocationKind.DEPOT),
        ),
        "lots expiring within 90 days": lambda: _lots(
            session,
            Tracking.LOT,
            Lot.expiry_date >= today + dt.timedelta(days=1),
            Lot.expiry_date <= today + dt.timedelta(days=90),
        ),
        "expired lots": lambda: _lots(session, Tracking.LOT, Lot.expiry_date < today),
        "quarantined lots": lambda: _lots(
            session, Tracking.LOT, Lot.condition == Condition.QUARANTINED
        ),
        "serials with a calibration due date": lambda: _lots(
            session, Tracking.SERIAL, Lot.calibration_due.is_not(None)
        ),
        "overdue calibrations": lambda: _lots(
            session, Tracking.SERIAL, Lot.calibration_due < today
        ),
        "calibrations due within 30 days": lambda: _lots(
            session,
            Tracking.SERIAL,
            and_(
                Lot.calibration_due >= today, Lot.calibration_due <= today + dt.timedelta(days=30)
            ),
        ),
        "unserviceable serials": lambda: _lots(
            session, Tracking.SERIAL, Lot.condition == Condition.UNSERVICEABLE
        ),
        "in-repair serials": lambda: _lots(
            session, Tracking.SERIAL, Lot.condition == Condition.IN_REPAIR
        ),
        "vehicle rows (depot x vehicle type)": lambda: _count(
            session, select(func.count()).select_from(VehicleType)
        ),
        "vehicle types": lambda: _count(
            session, select(func.count(distinct(VehicleType.vehicle_type)))
        ),
        "vehicles (total count)": lambda: _count(session, select(func.sum(VehicleType.count))),
        "stock policies": lambda: _count(session, select(func.count()).select_from(StockPolicy)),
        "depot x item pairs below min": lambda: len(
            alerts(session, today=today, kinds={"below_min"})
        ),
    }
    if label in simple:
        return simple[label]()
    patterns: list[tuple[str, Callable[[str], int]]] = [
        (
            r"provinces with unit_type (\w+)",
            lambda v: _count(session, select(func.count()).where(Province.unit_type == v)),
        ),
        (
            r"depots in zone (\w+)",
            lambda v: _count(session, select(func.count()).where(Depot.zone == v)),
        ),
        (
            r"items in category (\w+)",
            lambda v: _count(session, select(func.count()).where(Item.category == v)),
        ),
        (
            r"items with tracking (\w+)",
            lambda v: _count(session, select(func.count()).where(Item.tracking == Tracking(v))),
        ),
        (
            r"vehicles of type (\w+)",
            lambda v: _count(
                session, select(func.sum(VehicleType.count)).where(VehicleType.vehicle_type == v)
            ),
        ),
    ]
    for pattern, fn in patterns:
        match = re.fullmatch(pattern, label)
        if match:
            return fn(match.group(1))
    raise AssertionError(f"data/README.md row {label!r} has no check: add one here")


def test_the_seeded_database_holds_what_data_readme_says(seeded_db: Database) -> None:
    expected = readme_counts()
    assert len(expected) > 30, "the README table was not found"
    today = local_date(SEED_NOW)
    with seeded_db.readers() as session:
        got = {label: measured(session, label, today) for label in expected}
    assert got == expected


def test_the_seeded_books_balance(seeded_db: Database) -> None:
    with seeded_db.readers() as session:
        assert check_ledger(session) == []


def _opening_stock_by_pair(session: Session) -> dict[tuple[str, str], int]:
    """Units the opening receipts put in each depot x item, every lot in any condition."""
    rows = session.execute(
        select(Location.depot_code, Movement.item_code, func.sum(Movement.quantity))
        .join(Location, Location.id == Movement.to_location_id)
        .where(Movement.reason == "opening")
        .group_by(Location.depot_code, Movement.item_code)
    )
    return {(str(depot), item): int(qty) for depot, item, qty in rows}


def _policies(session: Session) -> dict[tuple[str, str], StockPolicy]:
    return {(p.depot_code, p.item_code): p for p in session.scalars(select(StockPolicy))}


def test_every_depot_item_pair_holding_seeded_stock_has_a_policy(seeded_db: Database) -> None:
    with seeded_db.readers() as session:
        stocked = _opening_stock_by_pair(session)
        policies = _policies(session)
    assert len(stocked) > 1000, "the opening stock was not found"
    assert sorted(set(stocked) - set(policies)) == []


def test_no_seeded_pair_holds_more_than_its_maximum(seeded_db: Database) -> None:
    with seeded_db.readers() as session:
        stocked = _opening_stock_by_pair(session)
        policies = _policies(session)
    over = {
        pair: (qty, policies[pair].max_qty)
        for pair, qty in stocked.items()
        if pair in policies and qty > policies[pair].max_qty
    }
    assert over == {}, "on hand above max_qty (on hand, max): explain in data/README.md or fix"


def test_policies_marked_on_hand_rule_are_what_data_readme_rule_gives() -> None:
    """min = floor(0.4 q), target = q, max = max(ceil(1.5 q), q + 1) over the opening stock."""
    on_hand: dict[tuple[str, str], int] = {}
    with (DATA / "opening_stock.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pair = (row["depot"], row["item"])
            on_hand[pair] = on_hand.get(pair, 0) + int(row["quantity"])
    with (DATA / "stock_policies.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["basis"] for r in rows} == {"estimate", "on_hand_rule"}
    wrong = []
    for r in rows:
        q = on_hand[(r["depot"], r["item"])]
        rule = (q * 2 // 5, q, max(-(-q * 3 // 2), q + 1))
        got = (int(r["min_qty"]), int(r["target_qty"]), int(r["max_qty"]))
        if r["basis"] == "on_hand_rule" and got != rule:
            wrong.append((r["depot"], r["item"], got, rule))
    assert wrong == []
