"""What a unit gains on a depot's first trip rather than the next (for `_first_wave`).

On land, the hours are timed as the allocation times the fleet's first wave, and the
bound-rule bonus (`DispatchParams.beyond_bound_h`) goes only to a vehicle that itself lands
the unit within its line's rule (`gain`). At sea, priced by the first boat that could take
them, capacity ignored (as the bound prices them), all goods a depot lands at the port on
one trip seemed to sail together and every vehicle seemed as quick as any other: a depot
sent its whole load on one slow flatbed (Côn Đảo, 0.9 of road speed), though which boat
goods catch, and so when they land, turns on the minutes they reach the port. So at sea each
vehicle is timed at its own speed, and each boat's first trip is a choice of when it leaves
(when it is at the port, or when one of the depot's vehicles has landed its load there),
with what those vehicles landed by then within its hold (`Slot`): quick vehicles bring what
a slow boat in port can still land in time, a slower one what a fast boat arriving later
takes. The boats are loaded again, in whole units and with every depot's goods, by
`_boat_plan`; other depots' goods for the same boats are not seen here (each depot's first
wave is its own model)."""

from __future__ import annotations

from dataclasses import dataclass

from ._allocation import Assignment
from ._fleets import Fleet, straight_arrival
from .dispatch_model import Boat, DispatchParams, DispatchProblem, SeaLeg, Vehicle
from .driving import vehicle_leg_seconds


@dataclass(frozen=True)
class Slot:
    """A boat's first trip, leaving the port at `start` with what the fleet's `vehicles`
    (their indices) landed there by then and its transfer time, on site at `landing`."""

    boat: Boat
    incident: str
    start: int
    landing: int
    vehicles: tuple[int, ...]


def arrival(
    problem: DispatchProblem, params: DispatchParams, vehicle: Vehicle, at: int
) -> int | None:
    """When the vehicle's first trip from its depot has its load off at location `at`
    (loading, the road at its own speed with its crew's rests, unloading); None if no road."""
    there = problem.seconds[problem.depot(vehicle.depot).location][at]
    if there is None:
        return None
    drive = vehicle_leg_seconds(there, vehicle.speed_factor, vehicle.crew)
    return vehicle.available_from + params.load_seconds + drive + params.unload_seconds


def later_landing(
    problem: DispatchProblem, params: DispatchParams, fleet: Fleet, a: Assignment
) -> int | None:
    """When a unit the first trips leave behind lands: on the next trip, a round trip later,
    timed as the allocation times it."""
    inc = problem.incident(a.line.incident)
    here = problem.depot(a.depot).location
    timing = straight_arrival(problem, params, fleet, here, inc.location)
    if timing is None:
        return None
    return inc.landing(timing[0] + timing[1], params.unload_seconds)


def value(
    a: Assignment,
    landing: int | None,
    later: int | None,
    limits: dict[tuple[str, str], int],
    bonus_h: float,
) -> float:
    """What one unit of `a` landing at `landing` rather than `later` gains, in weighted
    hours, and `bonus_h` more (`DispatchParams.beyond_bound_h`) where that keeps it within
    its line's bound rule."""
    if landing is None or later is None:
        return 0.0
    hours = (later - landing) / 3600
    limit = limits.get((a.line.incident, a.line.item))
    if limit is not None and landing <= limit < later:
        hours += bonus_h
    return a.line.weight * hours


def missed_boats(sea: SeaLeg, params: DispatchParams, at_port: int) -> int | None:
    """When goods at the port at `at_port` land if no boat's first trip takes them: on the
    first boat back from its first trip (left as soon as it could); None if none sails."""
    if sea.closed or not sea.boats:
        return None
    landings = []
    for b in sea.boats:
        sail = sea.sail_seconds(b)
        back = b.available_from + sea.transfer_s + 2 * sail + params.unload_seconds
        landings.append(max(at_port, back) + sea.transfer_s + sail + params.unload_seconds)
    return min(landings)


def slots(
    problem: DispatchProblem, params: DispatchParams, fleet: Fleet, incident: str
) -> list[Slot]:
    """Each boat's first trip for the incident, once per time it could leave: when it is
    at the port, or when one of the fleet's vehicles lands its load there after that."""
    inc = problem.incident(incident)
    sea = inc.sea
    if sea is None or sea.closed:
        return []
    ready = [arrival(problem, params, v, inc.location) for v in fleet.vehicles]
    out = []
    for boat in sea.boats:
        for start in sorted({max(boat.available_from, r) for r in ready if r is not None}):
            aboard = tuple(
                k for k, r in enumerate(ready) if r is not None and r <= start + sea.transfer_s
            )
            landing = start + sea.transfer_s + sea.sail_seconds(boat) + params.unload_seconds
            out.append(Slot(boat, incident, start, landing, aboard))
    return out


def gain(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    vehicle: Vehicle,
    a: Assignment,
    limits: dict[tuple[str, str], int],
) -> float:
    """What a unit of `a` on this vehicle's first trip gains over the next trip. At sea, by
    when this vehicle reaches the port, as if its load missed every boat's first trip (a
    `Slot` adds what catching one gains): which boat it catches turns on the minutes."""
    inc = problem.incident(a.line.incident)
    later = later_landing(problem, params, fleet, a)
    if inc.sea is None:
        return _on_land(problem, params, fleet, vehicle, a, later, limits)
    at = arrival(problem, params, vehicle, inc.location)
    landed = None if at is None else missed_boats(inc.sea, params, at)
    return value(a, landed, later, limits, params.beyond_bound_h)


def _on_land(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet,
    vehicle: Vehicle,
    a: Assignment,
    later: int | None,
    limits: dict[tuple[str, str], int],
) -> float:
    """The hours as the allocation times the fleet's first wave, the bound-rule bonus only
    where this vehicle itself lands the unit within the rule. (Timed vehicle by vehicle,
    hours too, a pickup minutes quicker than the truck beside it got loads of its own, and
    plans sent twice the vehicles to save minutes; timed by the fleet, the bonus too, a slow
    flatbed took goods only the pickup could land in time: F02 national 0.916 -> 0.946.)"""
    inc = problem.incident(a.line.incident)
    timing = straight_arrival(problem, params, fleet, problem.depot(a.depot).location, inc.location)
    own = arrival(problem, params, vehicle, inc.location)
    if timing is None or own is None or later is None:
        return 0.0
    hours = (later - timing[0]) / 3600
    limit = limits.get((a.line.incident, a.line.item))
    if limit is not None and own <= limit < later:
        hours += params.beyond_bound_h
    return a.line.weight * hours
