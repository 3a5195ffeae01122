"""A depot's first-wave loads after the solver (for `_first_wave`): each vehicle's load, whether
it fits, loads merged onto fewer vehicles, and lines split across vehicles brought together."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._allocation import Assignment
from ._wave_gains import arrival
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


#: passes over every pair of loads in `tidy`
TIDY_ROUNDS = 3


def tidy(
    problem: DispatchProblem,
    params: DispatchParams,
    loads: list[Load],
    assignments: list[Assignment],
    gains: dict[str, list[float]],
) -> list[Load]:
    """Lines split between two vehicles going to the same incident brought onto one, where
    the pair's units can be loaded again with fewer lines, both fitting and every unit
    gaining as much and landing no later in all (priority-weighted): the solver (stopped
    within its gap) and the filling of spare room left D-VIN's pick list for F02 with gloves
    on five vehicles, 3 pairs on one of them. At sea, where a load's vehicle decides the
    boat it catches, no unit moves onto the vehicle that reaches the port later."""
    index = {id(a): k for k, a in enumerate(assignments)}
    out = list(loads)
    for _ in range(TIDY_ROUNDS):
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                one, two = out[i], out[j]
                if one.incident != two.incident:
                    continue
                pair = _repack(problem, params, one, two, index, gains)
                if pair is None:
                    swapped = _repack(problem, params, two, one, index, gains)
                    pair = None if swapped is None else (swapped[1], swapped[0])
                if pair is not None:
                    out[i], out[j] = pair
                    changed = True
        if not changed:
            break
    return [ld for ld in out if ld.lines]


def _repack(
    problem: DispatchProblem,
    params: DispatchParams,
    first: Load,
    second: Load,
    index: dict[int, int],
    gains: dict[str, list[float]],
) -> tuple[Load, Load] | None:
    """The two loads' units again: whole lines into `first` while they fit, the units it
    gains most on (then the largest) first, at most one line split, the rest into `second`;
    None unless both fit, there are fewer lines, no unit gains less and, weighted by
    priority, the units land no later."""
    units: dict[int, tuple[Assignment, int]] = {}
    for a, n in (*first.lines, *second.lines):
        units[id(a)] = (a, units.get(id(a), (a, 0))[1] + n)
    mine, theirs = gains[first.vehicle.id], gains[second.vehicle.id]

    cap_kg, cap_m3 = first.vehicle.capacity_kg, first.vehicle.capacity_m3

    def order(item: tuple[Assignment, int]) -> tuple[float, float]:
        a, n = item
        k = index[id(a)]
        share = max(unit_kg(problem, a) / cap_kg, unit_m3(problem, a) / cap_m3)
        return (theirs[k] - mine[k], -n * share)

    into: list[tuple[Assignment, int]] = []
    rest: list[tuple[Assignment, int]] = []
    split = False
    for a, n in sorted(units.values(), key=order):
        room = _room(problem, first.vehicle, into, a, n)
        if room >= n:
            into.append((a, n))
        elif room > 0 and not split:
            into.append((a, room))
            rest.append((a, n - room))
            split = True
        else:
            rest.append((a, n))

    def total(lines: list[tuple[Assignment, int]], g: list[float]) -> float:
        return sum(g[index[id(a)]] * n for a, n in lines)

    site = problem.incident(first.incident).location
    at = [arrival(problem, params, ld.vehicle, site) or 0 for ld in (first, second)]

    def late(lines: list[tuple[Assignment, int]], when: int) -> float:
        return sum(a.line.weight * n for a, n in lines) * when

    before = total(first.lines, mine) + total(second.lines, theirs)
    if (
        len(into) + len(rest) >= len(first.lines) + len(second.lines)
        or not fits(problem, second.vehicle, rest)
        or total(into, mine) + total(rest, theirs) < before - 1e-9
        or late(into, at[0]) + late(rest, at[1])
        > late(first.lines, at[0]) + late(second.lines, at[1]) + 1e-6
        or (problem.incident(first.incident).sea and not _none_later(first, second, into, rest, at))
    ):
        return None
    return Load(first.vehicle, first.incident, into), Load(second.vehicle, second.incident, rest)


def _none_later(
    first: Load,
    second: Load,
    into: list[tuple[Assignment, int]],
    rest: list[tuple[Assignment, int]],
    at: list[int],
) -> bool:
    """Whether no assignment has more units than before on the vehicle there later."""
    if at[0] == at[1]:
        return True
    before, after = (first.lines, into) if at[0] > at[1] else (second.lines, rest)
    was: dict[int, int] = {}
    for a, n in before:
        was[id(a)] = was.get(id(a), 0) + n
    now: dict[int, int] = {}
    for a, n in after:
        now[id(a)] = now.get(id(a), 0) + n
    return all(n <= was.get(k, 0) for k, n in now.items())


def _room(
    problem: DispatchProblem,
    vehicle: Vehicle,
    lines: list[tuple[Assignment, int]],
    a: Assignment,
    n: int,
) -> int:
    """How many of `n` units of `a` still fit on the vehicle beside `lines`."""
    low, high = 0, n
    while low < high:  # the most that `fits` (whole kg and litres) accepts
        mid = (low + high + 1) // 2
        if fits(problem, vehicle, [*lines, (a, mid)]):
            low = mid
        else:
            high = mid - 1
    return low
