"""Times in the API are shown in Asia/Ho_Chi_Minh (ISO 8601 with +07:00) and stored in UTC:
every shown time names the same instant as the stored one."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, PlainSerializer
from sqlalchemy import select, text

from api.app import create_app
from api.routes import dispatch, network, stock, transfers
from api.services import Database
from api.settings import Settings
from api.timefmt import LocalTime, local_clock, to_local
from inventory.models import (
    DispatchPlanRecord,
    Incident,
    Movement,
    PlanVehicleRecord,
    RoadClosure,
)
from tests.api.api_support import FAR_EXPIRY, new_key, new_lot_no
from tests.auth_support import client_as

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PLUS_SEVEN = dt.timedelta(hours=7)


def client(db: Database) -> TestClient:
    return client_as(db)


def shown(value: str) -> dt.datetime:
    """A time as the API shows it: ISO 8601 ending in +07:00, parsed."""
    assert value.endswith("+07:00"), value
    moment = dt.datetime.fromisoformat(value)
    assert moment.utcoffset() == PLUS_SEVEN
    return moment


def chlorine_release(c: TestClient, **extra: Any) -> dict[str, Any]:
    body = {
        "incident_type": "chemical_release",
        "level": "national",
        "location": {"hazard_source": "F12"},
        **extra,
    }
    resp = c.post("/incidents", json=body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


# ------------------------------------------------------------------ pure
def test_a_utc_moment_is_shown_seven_hours_later_on_the_vietnamese_clock() -> None:
    moment = dt.datetime(2026, 12, 31, 20, 30, tzinfo=dt.UTC)

    local = to_local(moment)

    assert local == moment
    assert local.isoformat() == "2027-01-01T03:30:00+07:00"


def test_a_naive_moment_is_taken_as_utc_as_the_database_stores_it() -> None:
    assert to_local(dt.datetime(2026, 1, 1, 0, 0)).isoformat() == "2026-01-01T07:00:00+07:00"


@pytest.mark.parametrize(
    "moment", ["2026-05-01T17:05:00Z", "2026-05-01T17:05:00+00:00", "2026-05-02T00:05:00+07:00"]
)
def test_the_cli_clock_reads_the_same_instant_alike_whatever_its_offset(moment: str) -> None:
    assert local_clock(moment) == "00:05"
    assert local_clock(moment, with_date=True) == "05-02 00:05"


def test_the_fixed_utc_plus_seven_agrees_with_the_asia_ho_chi_minh_zone() -> None:
    start = dt.datetime(1976, 1, 1, tzinfo=dt.UTC)
    for days in range(0, 365 * 80, 97):
        moment = start + dt.timedelta(days=days, minutes=days % 1440)
        assert to_local(moment).isoformat() == moment.astimezone(VN).isoformat()


# ---------------------------------------------------------------- schema
def _bare_datetimes(tp: Any, where: str, seen: set[type]) -> list[str]:
    """Paths of datetimes in a response type that are not shown as `LocalTime`."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *metadata = typing.get_args(tp)
        if base is dt.datetime:
            local = any(isinstance(m, PlainSerializer) and m.func is to_local for m in metadata)
            return [] if local else [where]
        return _bare_datetimes(base, where, seen)
    if tp is dt.datetime:
        return [where]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return []
        seen.add(tp)
        return [
            path
            for name, field in tp.model_fields.items()
            for path in _bare_datetimes(field.rebuild_annotation(), f"{tp.__name__}.{name}", seen)
        ]
    return [path for arg in typing.get_args(tp) for path in _bare_datetimes(arg, where, seen)]


def test_every_response_datetime_is_shown_in_vietnam_local_time() -> None:
    seen: set[type] = set()

    bare = [
        path
        for module in (dispatch, network, stock, transfers)
        for r in module.router.routes
        if isinstance(r, APIRoute) and r.response_model is not None
        for path in _bare_datetimes(r.response_model, r.path, seen)
    ]

    assert seen, "no response models found"
    assert bare == []


def test_the_openapi_schema_still_calls_local_times_date_time() -> None:
    schemas = create_app(Settings(database_url="sqlite://")).openapi()["components"]["schemas"]

    def formats(model: str, field: str) -> list[str | None]:
        prop = schemas[model]["properties"][field]
        return [p.get("format") for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]

    for model, field in [
        ("CardLineRead", "posted_at"),
        ("DepotTransferRead", "shipped_at"),
        ("DepotTransferRead", "received_at"),
        ("ConditionChangeRead", "changed_at"),
        ("ClosureRead", "created_at"),
        ("ClosureRead", "lifted_at"),
        ("IncidentRead", "reported_at"),
        ("DemandRead", "required_by"),
        ("PlanRead", "t0"),
        ("StopRead", "arrival"),
        ("FulfilmentRead", "last_arrival"),
    ]:
        assert formats(model, field) == ["date-time"], (model, field)


def test_a_local_time_read_back_from_its_json_is_the_same_instant() -> None:
    moment = dt.datetime(2026, 3, 4, 23, 59, 59, 123456, tzinfo=dt.UTC)
    holder = type("Holder", (BaseModel,), {"__annotations__": {"at": LocalTime}})

    json = holder(at=moment).model_dump_json()

    assert json == '{"at":"2026-03-05T06:59:59.123456+07:00"}'
    assert holder.model_validate_json(json).at == moment


# ------------------------------------------------------------------ HTTP
def test_a_movement_shows_its_posted_at_in_vietnam_local_time_with_plus_seven(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    lot_no = new_lot_no()
    body = {
        "type": "receipt",
        "depot": "D-HNI",
        "item": "DEC-HTH",
        "quantity": 5,
        "lot_no": lot_no,
        "expiry_date": FAR_EXPIRY.isoformat(),
    }
    posted = c.post("/movements", json=body, headers={"Idempotency-Key": new_key()})
    assert posted.status_code == 201, posted.text

    card = c.get("/movements", params={"depot": "D-HNI", "item": "DEC-HTH", "lot": lot_no})
    assert card.status_code == 200, card.text
    (line,) = card.json()["items"]

    with seeded_db.readers() as session:
        stored = session.get(Movement, line["movement_id"])
        assert stored is not None
        assert stored.posted_at.utcoffset() == dt.timedelta(0)
        assert shown(line["posted_at"]) == stored.posted_at


def test_an_incident_shows_reported_at_and_required_by_in_vietnam_local_time(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    reported = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
    required = reported + dt.timedelta(hours=30)
    incident = chlorine_release(
        c,
        reported_at=reported.isoformat().replace("+00:00", "Z"),
        demands=[{"item": "RSP-SCBA", "quantity": 4, "required_by": required.isoformat()}],
    )

    read = c.get(f"/incidents/{incident['id']}").json()

    for answer in (incident, read):
        assert shown(answer["reported_at"]) == reported
        assert shown(answer["demands"][0]["required_by"]) == required
    with seeded_db.readers() as session:
        stored = session.get(Incident, incident["id"])
        assert stored is not None
        assert stored.reported_at == reported and stored.reported_at.utcoffset() == dt.timedelta(0)
        assert stored.demands[0].required_by == required


def test_a_time_sent_in_vietnam_local_time_is_stored_in_utc(seeded_sqlite: Database) -> None:
    c = client(seeded_sqlite)
    reported = dt.datetime(2026, 6, 1, 8, 15, tzinfo=dt.UTC)

    incident = chlorine_release(c, reported_at="2026-06-01T15:15:00+07:00")

    assert incident["reported_at"] == "2026-06-01T15:15:00+07:00"
    assert shown(incident["reported_at"]) == reported
    with seeded_sqlite.readers() as session:
        raw = session.execute(
            text("SELECT reported_at FROM incidents WHERE id = :id"), {"id": incident["id"]}
        ).scalar_one()
    assert str(raw).startswith("2026-06-01 08:15:00")


def test_a_plan_shows_its_times_in_vietnam_local_time_with_plus_seven(
    seeded_sqlite: Database,
) -> None:
    c = client(seeded_sqlite)
    incident = chlorine_release(c)

    resp = c.post(f"/incidents/{incident['id']}/dispatch-plans", json={"time_limit_s": 2})
    assert resp.status_code == 201, resp.text
    plan = resp.json()
    again = c.get(f"/dispatch-plans/{plan['id']}").json()

    assert plan["routes"], "the plan should send vehicles"
    with seeded_sqlite.readers() as session:
        record = session.get(DispatchPlanRecord, plan["id"])
        assert record is not None
        vehicles = {
            v.vehicle_key: v
            for v in session.scalars(
                select(PlanVehicleRecord).where(PlanVehicleRecord.plan_id == plan["id"])
            )
        }
        stops = {
            v.vehicle_key: [(s.arrival_at, s.departure_at) for s in v.stops]
            for v in vehicles.values()
        }
        for answer in (plan, again):
            assert shown(answer["t0"]) == record.t0
            assert shown(answer["created_at"]) == record.created_at
            for route in answer["routes"]:
                assert shown(route["returns_at"]) == vehicles[route["vehicle"]].returns_at
                assert [
                    (shown(s["arrival"]), shown(s["departure"])) for s in route["stops"]
                ] == stops[route["vehicle"]]
            for line in answer["fulfilment"]:
                shown(line["required_by"])
                if line["last_arrival"] is not None:
                    shown(line["last_arrival"])
            if answer["summary"]["last_arrival"] is not None:
                shown(answer["summary"]["last_arrival"])


def test_a_closure_shows_created_at_and_lifted_at_in_vietnam_local_time(
    seeded_db: Database,
) -> None:
    c = client(seeded_db)
    edge = c.get("/network/nodes").json()["edges"][0]["id"]
    made = c.post(
        "/network/closures",
        json={"kind": "edge", "edge_id": edge, "reason": "bridge down"},
        headers={"Idempotency-Key": new_key()},
    )
    assert made.status_code == 201, made.text
    closure = made.json()

    lifted = c.delete(f"/network/closures/{closure['id']}")
    assert lifted.status_code == 200, lifted.text

    with seeded_db.readers() as session:
        stored = session.get(RoadClosure, closure["id"])
        assert stored is not None and stored.lifted_at is not None
        assert shown(closure["created_at"]) == stored.created_at
        assert shown(lifted.json()["created_at"]) == stored.created_at
        assert shown(lifted.json()["lifted_at"]) == stored.lifted_at


def test_a_past_required_by_is_refused_naming_the_time_in_vietnam_local_time(
    seeded_sqlite: Database,
) -> None:
    client = client_as(seeded_sqlite)
    past = "2020-01-01T03:00:00+00:00"
    resp = client.post(
        "/incidents",
        json={
            "incident_type": "chemical_release",
            "level": "national",
            "location": {"hazard_source": "F12"},
            "demands": [{"item": "RSP-SCBA", "quantity": 1, "required_by": past}],
        },
    )
    assert resp.status_code == 422
    assert "2020-01-01T10:00:00+07:00 is in the past" in resp.json()["detail"]
