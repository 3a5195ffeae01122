"""A tiny hand-made world for ledger tests: two depots, three items (untracked,
lot-tracked, serial-tracked), built straight through the ORM."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from inventory.ledger import ensure_depot_location, ensure_virtual_locations
from inventory.models import Base, Depot, Item, Province, Tracking

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)

ALL_CLASSES = ["general", "instrument", "oxidiser", "corrosive", "flammable", "medical"]


def build_world(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add(
            Province(
                code="01",
                name_vi="Hà Nội",
                name_en="Hanoi",
                unit_type="municipality",
                region="Red River Delta",
                centre_name="Hà Nội",
                centre_lat=21.02,
                centre_lon=105.84,
            )
        )
        for code in ("D-AAA", "D-BBB"):
            depot = Depot(
                code=code,
                name_vi=code,
                name_en=code,
                town="Hà Nội",
                node_id=None,
                province_code="01",
                zone="north",
                lat=21.0,
                lon=105.8,
                capacity_m3=1000,
                capacity_kg=100000,
                storage_classes=ALL_CLASSES if code == "D-AAA" else ["general"],
            )
            session.add(depot)
            session.flush()
            ensure_depot_location(session, depot)
        ensure_virtual_locations(session)
        session.add_all(
            [
                Item(
                    code="BOOM",
                    name_vi="Phao",
                    name_en="Boom",
                    category="oil_spill",
                    unit="section",
                    unit_weight_kg=20,
                    unit_volume_m3=0.1,
                    unit_cost_vnd=1000,
                    shelf_life_days=None,
                    tracking=Tracking.NONE,
                    storage_class="general",
                    calibration_interval_days=None,
                ),
                Item(
                    code="HTH",
                    name_vi="HTH",
                    name_en="HTH",
                    category="decontamination",
                    unit="drum",
                    unit_weight_kg=45,
                    unit_volume_m3=0.08,
                    unit_cost_vnd=5000,
                    shelf_life_days=720,
                    tracking=Tracking.LOT,
                    storage_class="oxidiser",
                    calibration_interval_days=None,
                ),
                Item(
                    code="DET",
                    name_vi="Máy đo",
                    name_en="Detector",
                    category="detection",
                    unit="piece",
                    unit_weight_kg=1,
                    unit_volume_m3=0.01,
                    unit_cost_vnd=90000,
                    shelf_life_days=None,
                    tracking=Tracking.SERIAL,
                    storage_class="instrument",
                    calibration_interval_days=365,
                ),
            ]
        )
