"""A depot's fleet as the allocation and the first wave see it: the vehicles that load
there first, when their load lands on site, and whether the depot is in a provincial-level
response's reach."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .dispatch_model import DispatchParams, DispatchProblem, IncidentDemand, Vehicle
from .driving import vehicle_leg_seconds

#: a travel-time matrix over the problem's locations (None where no road leads)
Matrix = tuple[tuple[int | None, ...], ...]


@dataclass(frozen=True)
class Fleet:
    """The vehicles that load at a depot first: its own free ones, or, if it has none,
    those of the depot whose vehicles get there first (they drive over)."""

    ready: int  # when the first of them can be loading at the depot
    vehicles: tuple[Vehicle, ...]

    @property
    def capacity(self) -> tuple[float, float]:
        return (
            sum(v.capacity_kg for v in self.vehicles),
            sum(v.capacity_m3 for v in self.vehicles),
        )

    @property
    def crew(self) -> int:
        return max((v.crew for v in self.vehicles), default=1)


def fleets(problem: DispatchProblem) -> dict[str, Fleet | None]:
    """Per depot the vehicles that would load there first; None if no vehicle can."""
    homes = {d.code: d.location for d in problem.depots}
    own: dict[str, list[Vehicle]] = defaultdict(list)
    for v in problem.vehicles:
        own[v.depot].append(v)
    out: dict[str, Fleet | None] = {}
    for depot in problem.depots:
        if own[depot.code]:
            vs = own[depot.code]
            out[depot.code] = Fleet(min(v.available_from for v in vs), tuple(vs))
            continue
        best: tuple[int, str] | None = None
        for code, vs in own.items():
            t = problem.seconds[homes[code]][depot.location]
            if t is None or not vs:
                continue
            at = min(v.available_from + vehicle_leg_seconds(t, v.speed_factor, v.crew) for v in vs)
            if best is None or at < best[0]:
                best = (at, code)
        out[depot.code] = None if best is None else Fleet(best[0], tuple(own[best[1]]))
    return out


def straight_arrival(
    problem: DispatchProblem, params: DispatchParams, fleet: Fleet, depot: int, site: int
) -> tuple[int, int] | None:
    """(first wave's arrival, round trip) from a depot to a site, None if unreachable."""
    there = problem.seconds[depot][site]
    back = problem.seconds[site][depot]
    if there is None or back is None:
        return None
    out = vehicle_leg_seconds(there, 1.0, fleet.crew)
    arrival = fleet.ready + params.load_seconds + out + params.unload_seconds
    round_trip = (
        params.load_seconds
        + out
        + params.unload_seconds
        + vehicle_leg_seconds(back, 1.0, fleet.crew)
    )
    return arrival, round_trip


def soonest_landing(
    problem: DispatchProblem,
    params: DispatchParams,
    fleet: Fleet | None,
    depot: int,
    inc: IncidentDemand,
    matrix: Matrix | None = None,
) -> int | None:
    """When the depot's first load can be on site: its fastest vehicle, at its own speed
    with its crew's breaks, loading as soon as it can; None if none can get there."""
    t = (matrix or problem.seconds)[depot][inc.location]
    if t is None or fleet is None:
        return None
    serve = params.load_seconds + params.unload_seconds
    landings = [
        inc.landing(
            fleet.ready + serve + vehicle_leg_seconds(t, v.speed_factor, v.crew),
            params.unload_seconds,
        )
        for v in fleet.vehicles
    ]
    return min((x for x in landings if x is not None), default=None)


def in_reach(params: DispatchParams, inc: IncidentDemand, soonest: int | None) -> bool:
    """Whether the incident may draw on a depot whose first load lands at `soonest`
    (`soonest_landing`): a national-level one on any it reaches, a provincial-level one
    within `DispatchParams.provincial_reach_s`. One rule for the lines' bounds
    (`dispatch_bounds.sources`), the allocation and the reasons: when the bounds counted a
    depot the allocation left out (timing its fleet at road speed), units it held went
    unmet with a wrong reason (Côn Đảo: 4 solid booms D-VTU's pickup could have brought)."""
    return inc.national or (soonest is not None and soonest <= params.provincial_reach_s)
