"""Why a demand line is slower than its bound, late, or not met, in a logistics
officer's words: no free vehicle at the depot holding it, stock only far away, the
nearer stock gone to another incident, a reserve floor, second trips, goods at the port in
time for a boat but left for a later one, a closure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ._fleets import fleets, in_reach, soonest_landing
from .dispatch_bounds import Source, rule_limit, sources, straight_seconds
from .dispatch_model import (
    Demand,
    DispatchParams,
    DispatchProblem,
    IncidentDemand,
    PickLine,
    Unmet,
    VehicleRoute,
)


@dataclass(frozen=True)
class Landing:
    """Units of one item from one depot that land on site at `at` on `vehicle`."""

    depot: str
    item: str
    quantity: int
    at: int
    vehicle: str


def _h(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h"


def explain_line(
    problem: DispatchProblem,
    params: DispatchParams,
    inc: IncidentDemand,
    dem: Demand,
    landed: list[Landing],
    bound: int | None,
    taken: list[tuple[Source, int]],
    routes: list[VehicleRoute],
    picks: list[PickLine],
) -> str:
    """The reasons, joined; empty when every unit lands within the bound rule and on time."""
    name = problem.items[dem.item].name
    reasons: list[str] = []
    if bound is not None and bound > dem.required_by:
        last = max((s for s, _ in taken), key=lambda s: s.arrival)
        where = "stock only" if len(taken) == 1 else "not enough stock nearer: the rest"
        reasons.append(
            f"{where} comes from {last.depot}, {_h(last.arrival)} away even straight to the "
            f"site, later than the {name} is needed"
        )
        reasons += _closures(problem, params, inc, last)
    slow = [x for x in landed if bound is not None and x.at > rule_limit(bound)]
    if slow and bound is not None:
        waited = _waited_for_boats(params, inc, slow, routes, rule_limit(bound))
        late = slow
        if waited is not None:
            reasons.append(waited[0])
            late = [x for x in slow if x not in waited[1]]
        if late:
            reasons += _slow(problem, inc, landed, late, taken, routes, picks)
        reasons += _boat_trips(inc, routes)
    return "; ".join(dict.fromkeys(reasons))


def _slow(
    problem: DispatchProblem,
    inc: IncidentDemand,
    landed: list[Landing],
    slow: list[Landing],
    taken: list[tuple[Source, int]],
    routes: list[VehicleRoute],
    picks: list[PickLine],
) -> list[str]:
    out: list[str] = []
    homes = {r.vehicle: r.depot for r in routes}
    by_vehicle = {r.vehicle: r for r in routes}
    sent: dict[str, int] = defaultdict(int)
    for x in landed:
        sent[x.depot] += x.quantity
    for x in slow:
        home = homes.get(x.vehicle, "")
        if home != x.depot:
            out.append(f"no free vehicle at {x.depot}: {x.vehicle} came from {home}")
        elif _earlier_delivery(by_vehicle[x.vehicle], x.at, inc.sea is not None):
            fleet = [v for v in problem.vehicles if v.depot == x.depot]
            out.append(f"{x.depot}'s {len(fleet)} vehicles make more than one trip to carry it all")
    for s, qty in taken:
        if sent[s.depot] >= qty:  # the nearer depot sent what the bound took from it
            continue
        gone = [p for p in picks if (p.depot, p.item) == (s.depot, s.item) and p.incident != inc.id]
        if gone:
            others = sorted({p.incident for p in gone})
            out.append(f"{s.depot}'s {s.item} went to incident {', '.join(others)} first")
        elif not any(v.depot == s.depot for v in problem.vehicles):
            out.append(f"no vehicle at {s.depot}: its {s.item} waits for one from elsewhere")
        else:
            own = [v.id for v in problem.vehicles if v.depot == s.depot]
            if all(v in by_vehicle for v in own):
                out.append(
                    f"{s.depot} holds {s.quantity} {s.item} but its {len(own)} vehicles, all "
                    f"loaded, take {sent[s.depot]} of them; the rest comes from farther away"
                )
    if not out:
        out.append("the vehicles serve other stops first on the way")
    return out


def _waited_for_boats(
    params: DispatchParams,
    inc: IncidentDemand,
    slow: list[Landing],
    routes: list[VehicleRoute],
    limit: int,
) -> tuple[str, list[Landing]] | None:
    """At sea, the slow landings whose truck had them at the port in time for a boat to land
    them within the bound rule (its hold ignored), and the reason: the boats that could were
    full. (The truck's own delivery, at the port, is no second trip.)"""
    if inc.sea is None:
        return None
    by_vehicle = {r.vehicle: r for r in routes}
    waited: list[Landing] = []
    first_in = None
    for x in slow:
        route = by_vehicle.get(x.vehicle)
        ready = min(
            (
                s.departure
                for s in (route.stops if route else ())
                if s.kind == "delivery" and any(item == x.item for item, _ in s.cargo)
            ),
            default=None,
        )
        could = None if ready is None else inc.sea.landing(ready, params.unload_seconds)
        if ready is not None and could is not None and could <= limit:
            waited.append(x)
            first_in = ready if first_in is None else min(first_in, ready)
    if first_in is None:
        return None
    reason = (
        f"at {inc.sea.port} {_h(first_in)} after the declaration, in time for a boat to land "
        "it within the bound rule, but the boats' holds went to other goods first"
    )
    return reason, waited


def _boat_trips(inc: IncidentDemand, routes: list[VehicleRoute]) -> list[str]:
    """Where the boats, not the trucks, hold the line back."""
    if inc.sea is None:
        return []
    trips = sum(
        1
        for r in routes
        if r.vehicle_type == "boat"
        for s in r.stops
        if s.kind == "delivery" and s.incident == inc.id
    )
    boats = len(inc.sea.boats)
    if trips <= boats:
        return []
    return [f"the {boats} boat(s) at {inc.sea.port} make {trips} trips to carry it out to sea"]


def _earlier_delivery(route: VehicleRoute, at: int, at_sea: bool) -> bool:
    """Whether the vehicle delivered before the trip that landed the units at `at`; at sea
    its deliveries are at the port, all before the boats land them, so: more than one."""
    deliveries = [s for s in route.stops if s.kind == "delivery"]
    if at_sea:
        return len(deliveries) > 1
    return any(s.departure < at for s in deliveries)


def _closures(
    problem: DispatchProblem, params: DispatchParams, inc: IncidentDemand, nearest: Source
) -> list[str]:
    if problem.open_seconds is None:
        return []
    depot = problem.depot(nearest.depot)
    open_roads = straight_seconds(
        problem, params, depot.location, inc.location, problem.open_seconds
    )
    if open_roads is None or open_roads >= nearest.arrival - 15 * 60:
        return []
    return [f"closures add {_h(nearest.arrival - open_roads)} to the road from {nearest.depot}"]


def explain_unmet(
    problem: DispatchProblem,
    params: DispatchParams,
    unmet: list[Unmet],
    picks: list[PickLine],
) -> list[Unmet]:
    """Fill in the reason of every unmet line that has none."""
    return [
        u if u.reason else Unmet(u.incident, u.item, u.quantity, _why_short(problem, params, u))
        for u in unmet
    ]


def _why_short(problem: DispatchProblem, params: DispatchParams, u: Unmet) -> str:
    spec = problem.items[u.item]
    inc = problem.incident(u.incident)
    candidates = [u.item, *spec.substitutes]
    names = spec.name + (" or an allowed substitute" if spec.substitutes else "")
    holders = [d for d in problem.depots if any(d.available(c) > 0 for c in candidates)]
    if not holders:
        return f"no usable {names} in any depot (expired, quarantined or out of stock)"
    if inc.sea is not None and inc.landing(0, params.unload_seconds) is None:
        return inc.sea.why_not()
    if inc.sea is not None and not any(inc.sea.carries(problem.items[c]) for c in candidates):
        return (
            f"no boat at {inc.sea.port} can take a unit of {names} aboard "
            f"({spec.unit_weight_kg:g} kg, {spec.unit_volume_m3:g} m3)"
        )
    reach = [
        (straight_seconds(problem, params, d.location, inc.location, problem.seconds), d)
        for d in holders
    ]
    reachable = [(t, d) for t, d in reach if t is not None]
    if not reachable and inc.cut_off:
        return inc.cut_off
    if not reachable:
        return (
            f"the depots holding usable {names} cannot reach the site "
            "(roads closed, hazard zones, or no road link)"
        )
    if not inc.national:
        fleet = fleets(problem)
        landings = [
            (soonest_landing(problem, params, fleet[d.code], d.location, inc), d.code)
            for _, d in reachable
        ]
        beyond = sorted((t, code) for t, code in landings if t and not in_reach(params, inc, t))
        floors = sum(d.reserve_floor.get(c, 0) for _, d in reachable for c in candidates)
        if beyond and not sources(problem, params, inc, u.item):
            return (
                f"the nearest usable {names} is at {beyond[0][1]}, whose vehicles land it "
                f"{_h(beyond[0][0])} after the declaration at the soonest, beyond the "
                f"{_h(params.provincial_reach_s)} reach of a provincial-level response; "
                "a national-level incident would draw on it"
            )
        if floors:
            extra = (
                f"; more is at {beyond[0][1]}, beyond the {_h(params.provincial_reach_s)} "
                "reach of a provincial-level response"
                if beyond
                else ""
            )
            return (
                f"the rest of the usable {names} in reach is held back by depot reserve floors "
                f"({floors} units kept for their own areas; a national-level incident may "
                f"draw on them){extra}"
            )
    total = sum(d.available(c) for _, d in reachable for c in candidates)
    return (
        f"only {total} usable {names} in reach, shared with other incidents of higher "
        "priority or earlier need"
    )
