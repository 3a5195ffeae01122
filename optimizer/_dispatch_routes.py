"""The routed parcels as an officer reads them: one stop per place (a truck loading three
parcels at a depot loads once), times with the breaks and rests the crew must take, the
cargo on board, and when each parcel lands."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ._parcels import Parcel, cargo
from .dispatch_model import DispatchParams, DispatchProblem, Stop, Vehicle, VehicleRoute
from .driving import Shift, drive
from .routing_model import Route, RoutingResult


@dataclass
class _Group:
    """Consecutive visits of one route at one place."""

    location: int
    kind: str
    parcels: list[int] = field(default_factory=list)


def vehicle_routes(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    fleet: list[Vehicle],
    result: RoutingResult,
) -> tuple[list[VehicleRoute], dict[int, tuple[int, str]]]:
    """The routes as stops with cargo, and when (and by which vehicle) each parcel lands."""
    delivered_at: dict[int, tuple[int, str]] = {}
    routes = [
        _replay(problem, params, parcels, fleet[route.vehicle], route, delivered_at)
        for route in result.routes
    ]
    return routes, delivered_at


def _groups(route: Route) -> list[_Group]:
    groups: list[_Group] = []
    for visit in route.visits:
        if visit.request is None:
            continue
        if not groups or groups[-1].location != visit.location or groups[-1].kind != visit.kind:
            groups.append(_Group(visit.location, visit.kind))
        groups[-1].parcels.append(visit.request)
    return groups


def _replay(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    veh: Vehicle,
    route: Route,
    delivered_at: dict[int, tuple[int, str]],
) -> VehicleRoute:
    """Earliest legal times along the route: the crew's day carries from leg to leg."""
    home = problem.depot(veh.depot).location
    stops = [
        Stop(
            home,
            problem.locations[home],
            "start",
            veh.available_from,
            veh.available_from,
            0.0,
            0.0,
            veh.depot,
        )
    ]
    here, departure, shift = home, veh.available_from, Shift(veh.available_from)
    kg = m3 = 0.0
    rest = metres = 0
    for group in _groups(route):
        arrival, shift, resting = _leg(problem, veh, here, group.location, departure, shift)
        rest += resting
        metres += problem.metres[here][group.location] or 0
        stop = _stop(problem, params, parcels, group, arrival, (kg, m3))
        stops.append(stop)
        departure = stop.departure
        if group.kind == "delivery":
            for p in group.parcels:
                delivered_at[p] = (departure, veh.id)
        sign = 1 if group.kind == "pickup" else -1
        kg += sign * sum(parcels[p].weight for p in group.parcels)
        m3 += sign * sum(parcels[p].volume for p in group.parcels)
        here = group.location
    back, _, resting = _leg(problem, veh, here, home, departure, shift)
    rest += resting
    metres += problem.metres[here][home] or 0
    stops.append(Stop(home, problem.locations[home], "end", back, back, 0.0, 0.0, veh.depot))
    return VehicleRoute(
        veh.id, veh.depot, veh.vehicle_type, tuple(stops), metres, back, veh.crew, rest
    )


def _stop(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    group: _Group,
    arrival: int,
    load: tuple[float, float],
) -> Stop:
    """One stop for a run of visits at one place: the cargo of all its parcels, loaded
    or unloaded once; `load` is what is on board on arrival (kg, m3)."""
    goods: dict[str, int] = defaultdict(int)
    for p in group.parcels:
        for item, qty in cargo(parcels[p]):
            goods[item] += qty
    pickup = group.kind == "pickup"
    first = parcels[group.parcels[0]]
    return Stop(
        group.location,
        problem.locations[group.location],
        "pickup" if pickup else "delivery",
        arrival,
        arrival + (params.load_seconds if pickup else params.unload_seconds),
        round(load[0], 3),
        round(load[1], 4),
        first.depot if pickup else None,
        None if pickup else first.incident,
        tuple(sorted(goods.items())),
    )


def _leg(
    problem: DispatchProblem, veh: Vehicle, a: int, b: int, departure: int, shift: Shift
) -> tuple[int, Shift, int]:
    """(arrival, the crew's shift on arrival, seconds spent resting on the way)."""
    seconds = problem.seconds[a][b]
    if seconds is None:
        raise AssertionError(f"the route drives {a} -> {b}, which cannot be driven")
    driving = math.ceil(seconds / veh.speed_factor)
    arrival, shift = drive(departure, driving, veh.crew, shift)
    return arrival, shift, arrival - departure - driving
