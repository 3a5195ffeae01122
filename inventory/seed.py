"""Seeding an empty database from the bundled dataset in data/.

Dates in the opening stock are offsets in days from the seed date, so the dataset
keeps its meaning (some lots expiring soon, some expired) whenever it is seeded.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .commands import Receipt
from .ledger import Ledger, ensure_depot_location, ensure_virtual_locations
from .models import (
    Condition,
    Depot,
    Item,
    ItemSubstitute,
    Lot,
    Province,
    StockPolicy,
    Tracking,
    VehicleType,
)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield {k: (v or "").strip() for k, v in row.items()}


def _opt_int(value: str) -> int | None:
    return int(value) if value else None


def is_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Depot)))


def seed(session: Session, data_dir: Path, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Load reference data and post the opening stock through the ledger.
    Returns counts of what was loaded. The caller commits."""
    ledger = Ledger(session, actor="seed", now=now)
    counts: dict[str, int] = {}
    counts["provinces"] = _seed_provinces(session, data_dir)
    counts["depots"] = _seed_depots(session, data_dir)
    counts["items"] = _seed_items(session, data_dir)
    counts["vehicle_types"] = _seed_vehicles(session, data_dir)
    counts["opening_stock_rows"] = _seed_opening_stock(ledger, data_dir)
    counts["lots"] = int(
        session.scalar(select(func.count()).select_from(Lot).where(Lot.is_bulk.is_(False))) or 0
    )
    counts["stock_policies"] = _seed_policies(session, data_dir, ledger.now)
    session.flush()
    return counts


def _seed_provinces(session: Session, data_dir: Path) -> int:
    """Provinces and their administrative centres."""
    provinces = [
        Province(
            code=r["code"],
            name_vi=r["name_vi"],
            name_en=r["name_en"],
            unit_type=r["unit_type"],
            region=r["region"],
            centre_name=r["centre_name"],
            centre_lat=float(r["centre_lat"]),
            centre_lon=float(r["centre_lon"]),
        )
        for r in _rows(data_dir / "provinces.csv")
    ]
    session.add_all(provinces)
    return len(provinces)


def _seed_depots(session: Session, data_dir: Path) -> int:
    """Depots, then the virtual locations and each depot's stock location."""
    depots = [
        Depot(
            code=r["code"],
            name_vi=r["name_vi"],
            name_en=r["name_en"],
            town=r["town"],
            node_id=r["node_id"] or None,
            province_code=r["province_code"],
            zone=r["zone"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            capacity_m3=float(r["capacity_m3"]),
            capacity_kg=float(r["capacity_kg"]),
            storage_classes=[c for c in r["storage_classes"].split(";") if c],
        )
        for r in _rows(data_dir / "depots.csv")
    ]
    session.add_all(depots)
    session.flush()
    ensure_virtual_locations(session)
    for depot in depots:
        ensure_depot_location(session, depot)
    return len(depots)


def _seed_items(session: Session, data_dir: Path) -> int:
    """Items, then their ranked substitutes (which need every item flushed first)."""
    substitutes: list[tuple[str, str, int]] = []
    items = []
    for r in _rows(data_dir / "items.csv"):
        items.append(
            Item(
                code=r["code"],
                name_vi=r["name_vi"],
                name_en=r["name_en"],
                category=r["category"],
                unit=r["unit"],
                unit_weight_kg=float(r["unit_weight_kg"]),
                unit_volume_m3=float(r["unit_volume_m3"]),
                unit_cost_vnd=int(r["unit_cost_vnd"]),
                shelf_life_days=_opt_int(r["shelf_life_days"]),
                tracking=Tracking(r["tracking"]),
                storage_class=r["storage_class"],
                calibration_interval_days=_opt_int(r["calibration_interval_days"]),
            )
        )
        for rank, sub in enumerate([s for s in r["substitutes"].split(";") if s], start=1):
            substitutes.append((r["code"], sub, rank))
    session.add_all(items)
    session.flush()
    session.add_all(
        ItemSubstitute(item_code=i, substitute_code=s, rank=k) for i, s, k in substitutes
    )
    return len(items)


def _seed_vehicles(session: Session, data_dir: Path) -> int:
    """The vehicle fleet of each depot."""
    vehicles = [
        VehicleType(
            depot_code=r["depot"],
            vehicle_type=r["vehicle_type"],
            payload_kg=float(r["payload_kg"]),
            cargo_volume_m3=float(r["cargo_volume_m3"]),
            count=int(r["count"]),
            avg_speed_factor=float(r["avg_speed_factor"] or 1.0),
        )
        for r in _rows(data_dir / "vehicles.csv")
    ]
    session.add_all(vehicles)
    return len(vehicles)


def _seed_opening_stock(ledger: Ledger, data_dir: Path) -> int:
    """Post each opening balance as a receipt, its date offsets counted from the seed date."""
    today = ledger.today
    stock_rows = 0
    for r in _rows(data_dir / "opening_stock.csv"):
        expiry = _opt_int(r["expiry_offset_days"])
        calib = _opt_int(r["calibration_due_offset_days"])
        ledger.receive(
            Receipt(
                depot=r["depot"],
                item=r["item"],
                quantity=int(r["quantity"]),
                lot_no=r["lot_no"] or None,
                expiry_date=None if expiry is None else today + dt.timedelta(days=expiry),
                calibration_due=None if calib is None else today + dt.timedelta(days=calib),
                condition=Condition(r["condition"] or "serviceable"),
                source="opening",
                reference="opening balance",
            )
        )
        stock_rows += 1
    return stock_rows


def _seed_policies(session: Session, data_dir: Path, now: dt.datetime) -> int:
    """The planner's min / target / max per depot x item."""
    policies = [
        StockPolicy(
            depot_code=r["depot"],
            item_code=r["item"],
            min_qty=int(r["min_qty"]),
            target_qty=int(r["target_qty"]),
            max_qty=int(r["max_qty"]),
            source="planner",
            updated_at=now,
        )
        for r in _rows(data_dir / "stock_policies.csv")
    ]
    session.add_all(policies)
    return len(policies)
