"""The boats' first trips from the port as a small HiGHS MILP (for `_boats`).

Loaded greedily, the goods waiting longest go on the boat that lands them soonest, with
whatever else is in by then: the fast boat due later takes the quick truck's goods and the
slow one's, and the big boat in port, which could have sailed with the quick truck's goods
at once and still landed them in time, takes what is left after the last truck, too late.
Here each boat leaves on its first trip at one of the times goods reach the port (or when
it gets there), with units landed by then plus its transfer time, within its hold; a unit
gains the weighted hours it lands sooner than on the first boat back from a first trip
(`_wave_gains.missed_boats`), and `beyond_bound_h` more where that keeps it within its line's
bound rule, as the first wave priced it. What no first trip takes is sailed greedily.
Measured (bench/README.md): Lý Sơn 0.494 -> 0.549 of the weighted units within the bound
rule (its ceiling), and on Côn Đảo 33 solid booms within it where none were."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from ._allocation import Assignment
from ._columns import Columns
from ._wave_gains import missed_boats, value
from ._wave_loads import unit_kg, unit_m3
from .dispatch_model import Boat, DispatchParams, DispatchProblem, SeaLeg

#: HiGHS's limits: the model is a few boats and a few dozen groups of goods
TIME_LIMIT_S = 0.3
MIP_GAP = 1e-3
#: the earliest departure times tried per boat (a handful of trucks reach a port in practice)
STARTS_TRIED = 12
#: a hold may be filled to the last unit (`_boats` takes back any unit a rounding put over)
SLACK = 1e-6


@dataclass(frozen=True)
class Goods:
    """Units of one assignment landed at the port at `ready`."""

    ready: int
    assignment: Assignment
    units: int


@dataclass(frozen=True)
class FirstTrip:
    """A boat's first trip: when it starts loading, and the units of each `Goods` (by index)."""

    start: int
    cargo: tuple[tuple[int, int], ...]


def first_trips(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    goods: list[Goods],
    limits: dict[tuple[str, str], int],
) -> dict[Boat, FirstTrip] | None:
    """The boats' first trips that gain most; None if HiGHS found none."""
    m = Columns()
    columns: list[tuple[Boat, int, int, int]] = []  # (boat, start, goods index, column)
    for boat in sea.boats:
        landings = _starts(params, sea, boat, goods)
        zs = []
        for start, landing in landings:
            z = m.cols([0.0], [1.0])
            zs.append(z)
            mine = _aboard(problem, params, sea, boat, goods, limits, start, landing, m)
            columns += [(boat, start, g, x) for g, x in mine]
            for cap, size in ((boat.capacity_kg, unit_kg), (boat.capacity_m3, unit_m3)):
                coefs = [size(problem, goods[g].assignment) for g, _x in mine]
                m.add(0.0, [x for _g, x in mine] + [z], [*coefs, -(cap + SLACK)])
        if zs:
            m.add(1.0, zs, [1.0] * len(zs))
    taking: dict[int, list[int]] = {}  # goods index -> the trips' columns taking its units
    for _b, _s, g, x in columns:
        taking.setdefault(g, []).append(x)
    for g, xs in taking.items():
        m.add(float(goods[g].units), xs, [1.0] * len(xs))
    if not columns:
        return {}
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    h.setOptionValue("random_seed", params.seed)
    m.load(h)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    values = np.round(np.asarray(h.getSolution().col_value)).astype(int)
    trips: dict[Boat, tuple[int, list[tuple[int, int]]]] = {}
    for boat, start, g, x in columns:
        if values[x] > 0:
            trips.setdefault(boat, (start, []))[1].append((g, int(values[x])))
    return {b: FirstTrip(start, tuple(cargo)) for b, (start, cargo) in trips.items()}


def _starts(
    params: DispatchParams, sea: SeaLeg, boat: Boat, goods: list[Goods]
) -> list[tuple[int, int]]:
    """(start, landing) of each first trip the boat may make."""
    starts = sorted({max(boat.available_from, g.ready) for g in goods})[:STARTS_TRIED]
    tail = sea.transfer_s + sea.sail_seconds(boat) + params.unload_seconds
    return [(s, s + tail) for s in starts]


def _aboard(
    problem: DispatchProblem,
    params: DispatchParams,
    sea: SeaLeg,
    boat: Boat,
    goods: list[Goods],
    limits: dict[tuple[str, str], int],
    start: int,
    landing: int,
    m: Columns,
) -> list[tuple[int, int]]:
    """The x columns of one trip, as (goods index, column): the goods landed by the time it
    leaves that it can carry and that land sooner on it than on a boat's second trip."""
    out = []
    for g, item in enumerate(goods):
        a = item.assignment
        if item.ready > start + sea.transfer_s:
            continue
        if unit_kg(problem, a) > boat.capacity_kg or unit_m3(problem, a) > boat.capacity_m3:
            continue
        otherwise = missed_boats(sea, params, item.ready)
        gain = value(a, landing, otherwise, limits, params.beyond_bound_h)
        if gain > 0:
            out.append((g, m.cols([gain], [float(item.units)])))
    return out
