"""The sea leg of a plan: goods the trucks land at a port go aboard boats and sail to
the site. The goods waiting longest go on the boat that lands them soonest (a fast boat
back soon beats a slow one idle now), with everything else landed by the time it leaves
that fits, the most priority weight per share of the hold first; a boat's round trip is
loading, the crossing, unloading and the way back. The allocation sends to sea only
what some boat can take aboard (`SeaLeg.carries`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ._allocation import Assignment
from ._parcels import Parcel
from .dispatch_model import Boat, DispatchParams, DispatchProblem, SeaLeg, Stop, VehicleRoute

#: (assignment, units, when they land on site, the truck that brought them to the port)
Shipped = tuple[Assignment, int, int, str]


@dataclass(eq=False)
class _Waiting:
    ready: int
    parcel: int
    assignment: Assignment
    units: int
    truck: str


@dataclass
class _Trip:
    start: int
    cargo: list[tuple[int, Assignment, int, str]] = field(default_factory=list)
    kg: float = 0.0
    m3: float = 0.0


def ship(
    problem: DispatchProblem,
    params: DispatchParams,
    parcels: list[Parcel],
    delivered_at: dict[int, tuple[int, str]],
) -> tuple[list[VehicleRoute], dict[int, list[Shipped]]]:
    """Boat routes, and what each parcel bound for sea lands on site and when."""
    routes: list[VehicleRoute] = []
    shipped: dict[int, list[Shipped]] = defaultdict(list)
    for inc in problem.incidents:
        if inc.sea is None:
            continue
        waiting = [
            _Waiting(delivered_at[i][0], i, a, q, delivered_at[i][1])
            for i, p in enumerate(parcels)
            if p.incident == inc.id and i in delivered_at
            for a, q in p.lines
        ]
        waiting.sort(key=lambda w: (w.ready, -w.assignment.line.weight, w.parcel))
        trips = _sail(problem, params, inc.sea, waiting)
        for boat, boat_trips in trips.items():
            routes.append(_route(problem, params, inc.location, inc.sea, boat, boat_trips))
            for trip in boat_trips:
                landed = trip.start + inc.sea.transfer_s + inc.sea.sail_seconds(boat)
                landed += params.unload_seconds
                for parcel, a, units, truck in trip.cargo:
                    shipped[parcel].append((a, units, landed, truck))
    return routes, shipped


def _sail(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    waiting: list[_Waiting],
) -> dict[Boat, list[_Trip]]:
    free = {b: b.available_from for b in sea.boats}
    trips: dict[Boat, list[_Trip]] = defaultdict(list)
    while waiting:
        head = waiting[0]
        spec = problem.items[head.assignment.item]
        able = [
            b
            for b in sea.boats
            if spec.unit_weight_kg <= b.capacity_kg and spec.unit_volume_m3 <= b.capacity_m3
        ]
        assert able, f"no boat can carry {head.assignment.item}: the allocation sent it"
        # the boat that lands the most urgent waiting goods first, not merely the first free
        boat = min(able, key=lambda b: (max(free[b], head.ready) + sea.sail_seconds(b), b.id))
        trip = _Trip(max(free[boat], head.ready))
        _load(problem, boat, trip, waiting, trip.start + sea.transfer_s)
        round_trip = sea.transfer_s + 2 * sea.sail_seconds(boat) + params.unload_seconds
        free[boat] = trip.start + round_trip
        trips[boat].append(trip)
    return trips


def _load(
    problem: DispatchProblem, boat: Boat, trip: _Trip, waiting: list[_Waiting], until: int
) -> None:
    """Take aboard the units landed before the boat leaves that still fit, those that
    bring the most priority weight per share of the boat's hold first (as the plan's
    objective counts every unit by its weight, a boat's trip lands the most it can)."""

    def density(w: _Waiting) -> float:
        spec = problem.items[w.assignment.item]
        share = max(spec.unit_weight_kg / boat.capacity_kg, spec.unit_volume_m3 / boat.capacity_m3)
        return w.assignment.line.weight / max(share, 1e-9)

    ready = sorted(
        (w for w in waiting if w.ready <= until),
        key=lambda w: (-density(w), w.ready, w.parcel),
    )
    for w in ready:
        spec = problem.items[w.assignment.item]
        fit = w.units
        if spec.unit_weight_kg > 0:
            fit = min(fit, int((boat.capacity_kg - trip.kg) // spec.unit_weight_kg))
        if spec.unit_volume_m3 > 0:
            fit = min(fit, int((boat.capacity_m3 - trip.m3 + 1e-9) // spec.unit_volume_m3))
        if fit <= 0:
            continue
        trip.cargo.append((w.parcel, w.assignment, fit, w.truck))
        trip.kg += fit * spec.unit_weight_kg
        trip.m3 += fit * spec.unit_volume_m3
        w.units -= fit
        if w.units == 0:
            waiting.remove(w)


def _route(
    problem: DispatchProblem,
    params: DispatchParams,
    port: int,
    sea: SeaLeg,
    boat: Boat,
    trips: list[_Trip],
) -> VehicleRoute:
    """The boat's day as stops: loading at the port and unloading on site, trip by trip."""
    at_port = problem.locations[port]
    start = at_port
    if boat.home:
        start = f"{at_port}, after {boat.approach_km:.0f} km by sea from {boat.home}"
    stops = [Stop(port, start, "start", boat.available_from, boat.available_from, 0, 0)]
    sail = sea.sail_seconds(boat)
    back = boat.available_from
    for trip in trips:
        goods: dict[str, int] = defaultdict(int)
        incident = ""
        for _p, a, units, _t in trip.cargo:
            goods[a.item] += units
            incident = a.line.incident
        cargo = tuple(sorted(goods.items()))
        leaves = trip.start + sea.transfer_s
        arrives = leaves + sail
        stops.append(Stop(port, at_port, "pickup", trip.start, leaves, 0, 0, cargo=cargo))
        stops.append(
            Stop(
                sea.site,
                problem.locations[sea.site],
                "delivery",
                arrives,
                arrives + params.unload_seconds,
                round(trip.kg, 3),
                round(trip.m3, 4),
                incident=incident,
                cargo=cargo,
            )
        )
        back = arrives + params.unload_seconds + sail
    stops.append(Stop(port, at_port, "end", back, back, 0, 0))
    metres = round(2 * sea.sea_km * 1000) * len(trips) + round(2 * boat.approach_km * 1000)
    return VehicleRoute(boat.id, boat.depot, "boat", tuple(stops), metres, back)
