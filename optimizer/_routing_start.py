"""A first plan for pickup-and-delivery requests, built the way a dispatcher would: the
most urgent request first, each on the vehicle that lands it earliest, either on a trip
already going from the same depot to the same site with room left, or as a new trip at
the end of the vehicle's day.

OR-Tools' own constructions insert by arc cost; with a cost per second until each load
lands (which they do not see while inserting) they chained every load of a national oil
spill onto one flatbed, and the search could not undo it within a second. From this start
the search only has to improve."""

from __future__ import annotations

from dataclasses import dataclass, field

from .routing_model import RoutingProblem

#: (request, True for its pickup / False for its delivery) in visiting order
Stops = list[tuple[int, bool]]


@dataclass
class _Trip:
    pickup: int
    delivery: int
    load: list[int]
    arrival: int  # when unloading starts
    leaves: int  # when the vehicle leaves the site
    requests: list[int] = field(default_factory=list)


@dataclass
class _Day:
    place: int
    free_at: int
    trips: list[_Trip] = field(default_factory=list)


def first_plan(problem: RoutingProblem, order: list[int]) -> dict[int, Stops]:
    """Routes for the requests in `order` (each with a pickup), used vehicle -> stops;
    a request no allowed vehicle can take is left out."""
    days = {v: _Day(veh.start, veh.available_from) for v, veh in enumerate(problem.vehicles)}
    for r in order:
        best: tuple[int, int, int, _Trip | None] | None = None
        for v in problem.allowed(r):
            option = _option(problem, r, v, days[v])
            if option is not None and (best is None or option[:3] < best[:3]):
                best = option
        if best is not None:
            _take(problem, r, best[2], best[3], days[best[2]])
    plan: dict[int, Stops] = {}
    for v, day in days.items():
        stops: Stops = []
        for trip in day.trips:
            stops += [(r, True) for r in trip.requests]
            stops += [(r, False) for r in trip.requests]
        if stops:
            plan[v] = stops
    return plan


def _option(
    problem: RoutingProblem, r: int, v: int, day: _Day
) -> tuple[int, int, int, _Trip | None] | None:
    """(arrival, 0 to join a trip / 1 for a new one, vehicle, the trip joined)."""
    req = problem.requests[r]
    vehicle = problem.vehicles[v]
    assert req.pickup is not None
    last = day.trips[-1] if day.trips else None
    if last is not None and (last.pickup, last.delivery) == (req.pickup, req.delivery):
        load = [a + q for a, q in zip(last.load, req.load, strict=True)]
        if all(q <= c for q, c in zip(load, vehicle.capacity, strict=True)):
            return last.arrival, 0, v, last
    to_pickup = problem.travel(day.place, req.pickup, vehicle)
    to_site = problem.travel(req.pickup, req.delivery, vehicle)
    back = problem.travel(req.delivery, vehicle.end, vehicle)
    if to_pickup is None or to_site is None or back is None:
        return None
    arrival = day.free_at + to_pickup + req.pickup_service + to_site
    if problem.horizon is not None and arrival + req.delivery_service + back > problem.horizon:
        return None
    return arrival, 1, v, None


def _take(problem: RoutingProblem, r: int, v: int, trip: _Trip | None, day: _Day) -> None:
    req = problem.requests[r]
    assert req.pickup is not None
    if trip is not None:
        trip.requests.append(r)
        trip.load = [a + q for a, q in zip(trip.load, req.load, strict=True)]
        return
    vehicle = problem.vehicles[v]
    to_pickup = problem.travel(day.place, req.pickup, vehicle)
    to_site = problem.travel(req.pickup, req.delivery, vehicle)
    assert to_pickup is not None and to_site is not None
    arrival = day.free_at + to_pickup + req.pickup_service + to_site
    leaves = arrival + req.delivery_service
    day.trips.append(_Trip(req.pickup, req.delivery, list(req.load), arrival, leaves, [r]))
    day.place, day.free_at = req.delivery, leaves
