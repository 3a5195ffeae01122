"""The closure use cases (`api.network_service`) on a fake unit of work and a three-town
road graph: what is checked before the books are opened, what is stored, and how the
active closures become the overlay every route and plan is made with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from api.network_schemas import ClosureCreate
from api.network_service import active_overlay, create_closure, lift_closure, list_closures
from inventory.errors import ConflictError, IdempotencyConflictError, NotFoundError, ValidationError
from network import (
    Closure,
    HazardZone,
    InvalidOverlayError,
    RoadRouter,
    UnknownEdgeError,
    UnknownNodeError,
)
from network.errors import NetworkError
from network.graph import Edge, Node, RoadGraph
from tests.unit.fakes import FakeUnitOfWork

SPEEDS = {("national", "plain"): 50.0}


@pytest.fixture
def router() -> RoadRouter:
    """A --AB-- B --BC-- C, national roads."""
    nodes = {
        n: Node(n, n, n, 10.0, lon, "79", "town")
        for n, lon in (("A", 106.0), ("B", 106.1), ("C", 106.2))
    }
    edges = {
        "AB": Edge("AB", "A", "B", "QL1", "national", "plain", 10.0),
        "BC": Edge("BC", "B", "C", "QL1", "national", "plain", 10.0),
    }
    return RoadRouter(RoadGraph(nodes, edges, SPEEDS, 15.0, "tiny"))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def body(**fields: Any) -> ClosureCreate:
    return ClosureCreate.model_validate({"reason": "flooded", **fields})


def test_a_closure_is_stored_with_who_set_it_and_committed_once(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    result, replayed = create_closure(
        uow, router, body(kind="edge", edge_id="AB"), actor="duty", key="key-0001"
    )
    assert replayed is False
    assert uow.commits == 1
    assert (result["id"], result["kind"], result["edge_id"]) == (1, "edge", "AB")
    assert (result["created_by"], result["active"]) == ("duty", True)
    assert [row.edge_id for row in uow.closures.all()] == ["AB"]


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"kind": "edge", "edge_id": "XY"}, UnknownEdgeError, "edge_id"),
        ({"kind": "slow", "edge_id": "XY", "speed_factor": 0.5}, UnknownEdgeError, "edge_id"),
        ({"kind": "node", "node_id": "Z"}, UnknownNodeError, "node_id"),
    ],
)
def test_a_closure_on_an_unknown_edge_is_refused_before_anything_is_stored(
    uow: FakeUnitOfWork,
    router: RoadRouter,
    fields: dict[str, Any],
    error: type[NetworkError],
    field: str,
) -> None:
    with pytest.raises(error) as refused:
        create_closure(uow, router, body(**fields), actor="duty", key="key-0002")
    assert refused.value.field == field
    assert (uow.opened, uow.commits, uow.closures.all()) == (0, 0, [])


def test_a_closure_missing_a_field_of_its_kind_is_refused_naming_it(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    with pytest.raises(ValidationError) as refused:
        create_closure(uow, router, body(kind="slow", edge_id="AB"), actor="duty", key=None)
    assert refused.value.field == "speed_factor"
    assert uow.opened == 0


def test_a_polygon_of_fewer_than_three_distinct_points_is_refused(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    flat = body(kind="zone_polygon", polygon=[(10.0, 106.0), (10.0, 106.0), (10.1, 106.1)])
    with pytest.raises(InvalidOverlayError):
        create_closure(uow, router, flat, actor="duty", key=None)
    assert uow.opened == 0


def test_a_retried_closure_replays_the_first_answer_and_stores_one_row(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    closure = body(kind="node", node_id="B")
    first, _ = create_closure(uow, router, closure, actor="duty", key="key-0003")
    again, replayed = create_closure(uow, router, closure, actor="duty", key="key-0003")
    assert (again, replayed) == (first, True)
    assert len(uow.closures.all()) == 1


def test_the_same_key_for_another_closure_is_a_conflict(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    create_closure(uow, router, body(kind="edge", edge_id="AB"), actor="duty", key="key-0004")
    with pytest.raises(IdempotencyConflictError):
        create_closure(uow, router, body(kind="edge", edge_id="BC"), actor="duty", key="key-0004")
    assert len(uow.closures.all()) == 1


def test_lifting_a_closure_records_who_and_when_and_keeps_the_row(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    create_closure(uow, router, body(kind="edge", edge_id="AB"), actor="duty", key=None)
    lifted = lift_closure(uow, 1, actor="chief")
    assert lifted.lifted_by == "chief"
    assert lifted.lifted_at is not None and lifted.lifted_at.tzinfo == dt.UTC
    assert lifted.active is False
    assert uow.commits == 2
    assert [c.active for c in list_closures(uow.closures, include_lifted=True)] == [False]
    assert list_closures(uow.closures, include_lifted=False) == []


def test_lifting_a_closure_twice_is_a_conflict(uow: FakeUnitOfWork, router: RoadRouter) -> None:
    create_closure(uow, router, body(kind="edge", edge_id="AB"), actor="duty", key=None)
    first = lift_closure(uow, 1, actor="chief")
    with pytest.raises(ConflictError) as refused:
        lift_closure(uow, 1, actor="someone else")
    assert refused.value.field == "closure_id"
    assert uow.commits == 2
    assert uow.closures.all()[0].lifted_by == first.lifted_by == "chief"


def test_lifting_an_unknown_closure_is_not_found_naming_closure_id(
    uow: FakeUnitOfWork,
) -> None:
    with pytest.raises(NotFoundError) as refused:
        lift_closure(uow, 99, actor="chief")
    assert refused.value.field == "closure_id"
    assert uow.commits == 0


def test_the_overlay_holds_the_active_closures_and_zones_and_not_the_lifted_ones(
    uow: FakeUnitOfWork, router: RoadRouter
) -> None:
    for closure in (
        body(kind="edge", edge_id="AB"),
        body(kind="slow", edge_id="BC", speed_factor=0.5),
        body(kind="zone_circle", centre=(10.0, 106.1), radius_km=2.0),
        body(kind="node", node_id="C"),
    ):
        create_closure(uow, router, closure, actor="duty", key=None)
    lift_closure(uow, 1, actor="chief")
    overlay = active_overlay(uow.closures)
    assert overlay.closures == (
        Closure(edge_id="BC", speed_factor=0.5),
        Closure(node_id="C"),
    )
    assert overlay.zones == (HazardZone(centre=(10.0, 106.1), radius_km=2.0, label="flooded"),)
