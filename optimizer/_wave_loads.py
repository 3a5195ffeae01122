"""A depot's first-wave loads after the solver (for `_first_wave`): each vehicle's load, whether
it fits, loads merged onto fewer vehicles, and lines split across vehicles brought together."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._allocation import Assignment
from ._sea_wave import arrival
from .dispatch_model import DispatchParams, DispatchProblem, Vehicle


@dataclass(frozen=True)
class Load:
    """One vehicle's first trip: the incident and the units of each assignment."""

    vehicle: Vehicle
    incident: str
    lines: list[tuple[Assignment, int]]


def fits(problem: DispatchProblem, vehicle: Vehicle, lines: list[tuple[Assignment, int]]) -> bool:
    """Whether the load fits the vehicle in whole kg and litres, as the router counts."""
    kg = sum(unit_kg(problem, a) * n for a, n in lines)
    m3 = sum(unit_m3(problem, a) * n for a, n in lines)
    return math.ceil(kg - 1e-6) <= int(vehicle.capacity_kg) and math.ceil(m3 * 1000 - 1e-6) <= int(
        vehicle.capacity_m3 * 1000
    )


def merge(
    problem: DispatchProblem,
    params: DispatchParams,
    loads: list[Load],
    assignments: list[Assignment],
    gains: dict[str, list[float]],
) -> list[Load]:
    """Loads whose units all fit in the room the other vehicles going to the same incident
    leave, moved there, smallest first: the solver stops within `MIP_GAP` of its optimum,
    and a vehicle more is a gap of less than that. Only onto vehicles where every unit
    gains as much (a quick pickup's load moved onto a slow truck would miss its bound
    rule), and at sea at the port no later (it could miss the boat it was sent for)."""
    index = {id(a): k for k, a in enumerate(assignments)}
    kept = sorted(loads, key=lambda ld: (weight(problem, ld.lines), ld.vehicle.id))
    at = {
        ld.vehicle.id: arrival(problem, params, ld.vehicle, problem.incident(ld.incident).location)
        for ld in loads
        if problem.incident(ld.incident).sea is not None
    }

    def takes(o: Load, load: Load) -> bool:
        mine, theirs = gains[load.vehicle.id], gains[o.vehicle.id]
        here = at.get(load.vehicle.id)
        return (
            o is not load
            and o.incident == load.incident
            and all(theirs[index[id(a)]] >= mine[index[id(a)]] - 1e-9 for a, _n in load.lines)
            and (here is None or (at.get(o.vehicle.id) or 0) <= here)
        )

    k = 0
    while k < len(kept):
        moved = _move_all(problem, kept[k], [o for o in kept if takes(o, kept[k])])
        if moved is None:
            k += 1
            continue
        kept = [moved.get(id(o), o) for o in kept if o is not kept[k]]
    return sorted(kept, key=lambda ld: ld.vehicle.id)


def _move_all(problem: DispatchProblem, load: Load, others: list[Load]) -> dict[int, Load] | None:
    """The other loads with every unit of `load` added where they fit; None if some do not."""
    lines = {id(o): list(o.lines) for o in others}
    room = {
        id(o): (
            o.vehicle.capacity_kg - weight(problem, o.lines),
            o.vehicle.capacity_m3 - sum(unit_m3(problem, a) * n for a, n in o.lines),
        )
        for o in others
    }
    for a, n in load.lines:
        kg, m3 = unit_kg(problem, a), unit_m3(problem, a)
        for o in others:
            free_kg, free_m3 = room[id(o)]
            fit = n
            if kg > 0:
                fit = min(fit, int((free_kg + 1e-9) // kg))
            if m3 > 0:
                fit = min(fit, int((free_m3 + 1e-9) // m3))
            if fit <= 0:
                continue
            lines[id(o)].append((a, fit))
            room[id(o)] = (free_kg - fit * kg, free_m3 - fit * m3)
            n -= fit
            if n == 0:
                break
        if n > 0:
            return None
    return {id(o): Load(o.vehicle, o.incident, lines[id(o)]) for o in others}


def weight(problem: DispatchProblem, lines: list[tuple[Assignment, int]]) -> float:
    return sum(unit_kg(problem, a) * n for a, n in lines)


def unit_kg(problem: DispatchProblem, a: Assignment) -> float:
    return problem.items[a.item].unit_weight_kg


def unit_m3(problem: DispatchProblem, a: Assignment) -> float:
    return problem.items[a.item].unit_volume_m3
