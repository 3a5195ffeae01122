"""The sea leg of a plan: goods the trucks land at a port go aboard boats and sail to
the site. The goods waiting longest go on the boat that lands them soonest (a fast boat
back soon beats a slow one idle now), with everything else landed by the time it leaves
that fits, the most priority weight per share of the hold first; a boat's round trip is
loading, the crossing, unloading and the way back. The boats' first trips may instead be
planned together (`_boat_plan`: which boat leaves when, with what): the plan kept is the one
the plan's measure prefers (priority-weighted hours until landing, and `beyond_bound_h` for
a unit past its line's bound rule). The allocation sends to sea only what some boat can
take aboard (`SeaLeg.carries`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from ._allocation import Assignment
from ._boat_plan import FirstTrip, Goods, first_trips
from ._parcels import Parcel
from .dispatch_model import Boat, DispatchParams, DispatchProblem, SeaLeg, Stop, VehicleRoute

#: the longest a boat's last trip so far waits at the port for goods that come in as it
#: leaves, rather than another boat sailing for them (planning assumption: as long as the
#: transfer aboard; the plan's measure must gain as well, `_top_up`)
HOLD_S = 30 * 60
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
    limits: dict[tuple[str, str], int] | None = None,
) -> tuple[list[VehicleRoute], dict[int, list[Shipped]]]:
    """Boat routes, and what each parcel bound for sea lands on site and when; `limits`
    are the lines' bound-rule limits (by incident and item)."""
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
        trips = _best_sailing(problem, params, inc.sea, waiting, limits or {})
        for boat, boat_trips in trips.items():
            routes.append(_route(problem, params, inc.location, inc.sea, boat, boat_trips))
            for trip in boat_trips:
                landed = trip.start + inc.sea.transfer_s + inc.sea.sail_seconds(boat)
                landed += params.unload_seconds
                for parcel, a, units, truck in trip.cargo:
                    shipped[parcel].append((a, units, landed, truck))
    return routes, shipped


def _best_sailing(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    waiting: list[_Waiting],
    limits: dict[tuple[str, str], int],
) -> dict[Boat, list[_Trip]]:
    """The greedy sailing, or the one whose first trips are planned together where the
    plan's measure prefers it."""
    greedy = _sail(problem, params, sea, [replace(w) for w in waiting], {}, limits)
    goods = [Goods(w.ready, w.assignment, w.units) for w in waiting]
    planned = first_trips(problem, params, sea, goods, limits)
    if not planned:
        return greedy
    trips = _sail(problem, params, sea, [replace(w) for w in waiting], planned, limits)
    if _cost(params, sea, trips, limits) < _cost(params, sea, greedy, limits) - 1e-6:
        return trips
    return greedy


def _cost(
    params: DispatchParams,
    sea: SeaLeg,
    trips: dict[Boat, list[_Trip]],
    limits: dict[tuple[str, str], int],
) -> float:
    """Priority-weighted hours until landing, and `beyond_bound_h` for each weighted unit
    that lands past its line's bound rule (as the first wave and the allocation price it)."""
    return sum(
        units * _hours(params, sea, a, trip.start + sea.sail_seconds(boat), limits)
        for boat, boat_trips in trips.items()
        for trip in boat_trips
        for _p, a, units, _t in trip.cargo
    )


def _sail(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    waiting: list[_Waiting],
    planned: dict[Boat, FirstTrip],
    limits: dict[tuple[str, str], int] | None = None,
) -> dict[Boat, list[_Trip]]:
    """Sail the waiting goods: first the planned first trips (their units of `waiting`, by
    index); then, while goods wait, the boat that lands the goods waiting longest soonest."""
    free = {b: b.available_from for b in sea.boats}
    trips: dict[Boat, list[_Trip]] = defaultdict(list)
    listed = list(waiting)
    for boat, first in planned.items():
        trip = _Trip(first.start)
        for g, planned_units in first.cargo:
            w = listed[g]
            spec = problem.items[w.assignment.item]
            fit = _fit(boat, trip, spec.unit_weight_kg, spec.unit_volume_m3)
            units = min(planned_units, w.units, fit)
            _take(problem, trip, w, units, waiting)
        if trip.cargo:  # a boat sails only with goods aboard
            trips[boat].append(trip)
            free[boat] = trip.start + _round_trip(params, sea, boat)
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
        anew = max(free[boat], head.ready) + sea.sail_seconds(boat)
        if _top_up(problem, params, sea, (trips, free), waiting, anew, limits or {}):
            continue
        trip = _Trip(max(free[boat], head.ready))
        _load(problem, boat, trip, waiting, trip.start + sea.transfer_s)
        free[boat] = trip.start + _round_trip(params, sea, boat)
        trips[boat].append(trip)
    return trips


def _top_up(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    sailing: tuple[dict[Boat, list[_Trip]], dict[Boat, int]],
    waiting: list[_Waiting],
    new_landing: int,
    limits: dict[tuple[str, str], int],
) -> bool:
    """Put the goods waiting longest aboard a trip already sailing that has room and lands
    them no later than a new trip would (`new_landing`, without transfer and unloading,
    which every trip adds alike): one that loads after they reach the port, or a boat's
    last trip so far held up to HOLD_S for them where the plan's measure gains (`_hours`:
    what they save against what the goods aboard lose). A planned first trip can leave room
    its plan did not fill: a boat was sailed 566 km from Rạch Giá to land one boom section
    at Côn Đảo 1.3 h after the boat with room for it; at Nghi Sơn a partner boat sailed
    524 km from Hải Phòng for one pump that reached the port 9 s after the boat with room
    had loaded. Whether any went aboard."""
    trips, free = sailing
    head = waiting[0]
    spec = problem.items[head.assignment.item]
    kg, m3 = spec.unit_weight_kg, spec.unit_volume_m3

    def hours(a: Assignment, key: int) -> float:
        return _hours(params, sea, a, key, limits)

    options: list[tuple[int, str, int, Boat, _Trip]] = []
    for boat, boat_trips in trips.items():
        for trip in boat_trips:
            units = min(head.units, _fit(boat, trip, kg, m3))
            hold = max(0, head.ready - trip.start - sea.transfer_s)
            key = trip.start + sea.sail_seconds(boat)
            if units <= 0 or key + hold > new_landing:  # as soon: no boat need sail for them
                continue
            if hold and (trip is not boat_trips[-1] or hold > HOLD_S):
                continue
            lost = sum(q * (hours(a, key + hold) - hours(a, key)) for _p, a, q, _t in trip.cargo)
            mine = head.assignment
            saved = units * (hours(mine, new_landing) - hours(mine, key + hold))
            if hold and lost >= saved:
                continue
            options.append((key + hold, boat.id, hold, boat, trip))
    if not options:
        return False
    _, _, hold, boat, trip = min(options, key=lambda x: (x[0], x[1]))
    if hold:
        trip.start += hold
        free[boat] = trip.start + _round_trip(params, sea, boat)
    _take(problem, trip, head, min(head.units, _fit(boat, trip, kg, m3)), waiting)
    return True


def _hours(
    params: DispatchParams,
    sea: SeaLeg,
    a: Assignment,
    key: int,
    limits: dict[tuple[str, str], int],
) -> float:
    """A unit's share of the plan's measure if its trip leaves the port at `key` less the
    crossing: priority-weighted hours until it lands, and `beyond_bound_h` more past its
    line's bound rule (as `_cost` counts it)."""
    landed = key + sea.transfer_s + params.unload_seconds
    limit = limits.get((a.line.incident, a.line.item))
    late = limit is not None and landed > limit
    return a.line.weight * (landed / 3600 + (params.beyond_bound_h if late else 0.0))


def _take(
    problem: DispatchProblem, trip: _Trip, w: _Waiting, units: int, waiting: list[_Waiting]
) -> None:
    """Put `units` of the waiting goods aboard; goods all aboard wait no more."""
    if units <= 0:
        return
    spec = problem.items[w.assignment.item]
    trip.cargo.append((w.parcel, w.assignment, units, w.truck))
    trip.kg += units * spec.unit_weight_kg
    trip.m3 += units * spec.unit_volume_m3
    w.units -= units
    if w.units == 0:
        waiting.remove(w)


def _fit(boat: Boat, trip: _Trip, kg: float, m3: float) -> int:
    """How many units of this size still fit in the trip's hold."""
    fit = 10**9
    if kg > 0:
        fit = min(fit, int((boat.capacity_kg - trip.kg) // kg))
    if m3 > 0:
        fit = min(fit, int((boat.capacity_m3 - trip.m3 + 1e-9) // m3))
    return fit


def _round_trip(params: DispatchParams, sea: SeaLeg, boat: Boat) -> int:
    return sea.transfer_s + 2 * sea.sail_seconds(boat) + params.unload_seconds


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
        kg, m3 = spec.unit_weight_kg, spec.unit_volume_m3
        _take(problem, trip, w, min(w.units, _fit(boat, trip, kg, m3)), waiting)


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
