"""Revision 0006 carries plans stored as their HTTP body over to typed rows, and mends
the double allocation the old schema allowed: an incident keeps one live plan."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from inventory.db import make_engine
from inventory.migrate import upgrade
from inventory.models import (
    DispatchPlanRecord,
    PlanFulfilmentRecord,
    PlanIncidentLink,
    PlanStatus,
    PlanUnmetRecord,
    PlanVehicleRecord,
)

T = "2026-11-20T01:00:00+00:00"


def _body(vehicle: str, objective: float) -> dict[str, Any]:
    stop = {
        "kind": "start",
        "place": "D-BHA",
        "node": "N1",
        "arrival": T,
        "departure": T,
        "load_kg": 0.0,
        "load_m3": 0.0,
        "depot": "D-BHA",
        "incident": None,
        "cargo": [],
    }
    drop = {**stop, "kind": "delivery", "place": "incident 1", "depot": None, "incident": 1}
    drop["cargo"] = [{"item": "RSP-SCBA", "quantity": 20}]
    return {
        "solve": {
            "status": "feasible",
            "objective": objective,
            "bound": 1.0,
            "solve_seconds": 0.2,
            "engine": "highs+ortools",
            "notes": ["a note"],
        },
        "summary": {"km": 12.5, "unmet_units": 3, "lateness_unit_hours": 0.5},
        "routes": [
            {
                "vehicle": vehicle,
                "depot": "D-BHA",
                "vehicle_type": "truck_7t",
                "km": 12.5,
                "returns_at": T,
                "stops": [stop, drop],
                "geometry": {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[106.8, 10.9], [106.85, 10.93]],
                    },
                },
            }
        ],
        "fulfilment": [
            {
                "incident": 1,
                "item": "RSP-SCBA",
                "quantity": 23,
                "met": 20,
                "met_on_time": 20,
                "required_by": T,
                "last_arrival": T,
                "priority": 5,
                "substituted": [{"item": "RSP-SCBA-B", "quantity": 2}],
            }
        ],
        "unmet": [{"incident": 1, "item": "RSP-SCBA", "quantity": 3, "reason": "not enough"}],
    }


def _old_world(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO provinces VALUES ('75','Đồng Nai','Dong Nai','province','SE',"
                "'Biên Hòa',10.9,106.8)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO depots VALUES ('D-BHA','Kho Biên Hòa','Bien Hoa depot','Biên Hòa',"
                "'N1','75','south',10.9,106.8,400,80000,'[]')"
            )
        )
        for incident_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO incidents (id, incident_type, level, status, lat, lon, node_id, "
                    "snap_km, reported_at, priority, size, created_by, created_at) VALUES "
                    f"({incident_id}, 'chemical_release', 'national', 'open', 10.93, 106.85, 'N1', "
                    f"0.4, '{T}', 3, 1.0, 'test', '{T}')"
                )
            )
        plans = [  # (id, status, incidents, objective): 1 and 2 both live for incident 1
            (1, "draft", [1, 2], 5.0),
            (2, "confirmed", [1], -1.0),
            (3, "delivered", [2], 0.0),
        ]
        for plan_id, status, incidents, objective in plans:
            conn.execute(
                text(
                    "INSERT INTO dispatch_plans (id, status, incident_ids, t0, solve_status, "
                    "objective, bound, body, overlay_key, created_by, created_at) VALUES "
                    "(:id, :status, :ids, :t0, 'feasible', :obj, 1.0, :body, 'none', 'test', :t0)"
                ),
                {
                    "id": plan_id,
                    "status": status,
                    "ids": json.dumps(incidents),
                    "t0": T,
                    "obj": objective,
                    "body": json.dumps(_body(f"D-BHA/truck_7t/{plan_id}", objective)),
                },
            )
            conn.execute(
                text(
                    "INSERT INTO plan_vehicles (plan_id, vehicle_key, depot_code, departs_at, "
                    "returns_at) VALUES (:p, :v, 'D-BHA', :t, :t)"
                ),
                {"p": plan_id, "v": f"D-BHA/truck_7t/{plan_id}", "t": T},
            )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


def test_plans_stored_as_bodies_become_typed_rows_with_one_live_plan_per_incident(
    empty_url: str,
) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0005")
    _old_world(engine)

    upgrade(engine)

    with Session(engine) as session:
        plans = {p.id: p for p in session.scalars(select(DispatchPlanRecord))}
        live = session.execute(
            select(PlanIncidentLink.incident_id, PlanIncidentLink.plan_id).where(
                PlanIncidentLink.live
            )
        ).all()
        vehicle = session.scalars(
            select(PlanVehicleRecord).where(PlanVehicleRecord.plan_id == 1)
        ).one()
        fulfilment = session.scalars(
            select(PlanFulfilmentRecord).where(PlanFulfilmentRecord.plan_id == 1)
        ).one()
        unmet = session.scalars(select(PlanUnmetRecord).where(PlanUnmetRecord.plan_id == 1)).one()
        assert sorted(live) == [(1, 2)]  # the confirmed plan stays live for incident 1
        assert plans[1].status == PlanStatus.SUPERSEDED and plans[1].superseded_by_id == 2
        assert plans[2].status == PlanStatus.CONFIRMED and plans[2].objective is None
        assert plans[3].incident_ids == [2] and plans[3].status == PlanStatus.DELIVERED
        assert plans[1].notes == "a note" and plans[1].metres == 12_500
        assert vehicle.vehicle_type == "truck_7t" and len(vehicle.stops) == 2
        assert [(c.item_code, c.quantity) for c in vehicle.stops[1].cargo] == [("RSP-SCBA", 20)]
        assert vehicle.geometry == [[106.8, 10.9], [106.85, 10.93]]
        assert (fulfilment.met, fulfilment.substitutions[0].quantity) == (20, 2)
        assert unmet.reason == "not enough"
    engine.dispose()
