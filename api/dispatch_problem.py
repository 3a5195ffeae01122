"""Translation between the books and the optimiser: a stock snapshot plus road times
becomes a `DispatchProblem`; the optimiser's `DispatchPlan` becomes a `NewPlan` record
with times as UTC moments and the roads driven as coordinates."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from inventory.new_plan import (
    NewFulfilment,
    NewPick,
    NewPlan,
    NewRoute,
    NewStop,
    NewUnmet,
)
from inventory.snapshot import DispatchSnapshot, Reliance
from network import NO_OVERLAY, Overlay, RoadRouter, SeaSite, Site
from optimizer import (
    Demand,
    DepotStock,
    DispatchPlan,
    DispatchProblem,
    IncidentDemand,
    ItemSpec,
    LotStock,
    Vehicle,
)
from optimizer.dispatch_model import VehicleRoute

from .dispatch_sea import cut_off, ferry_waits, sea_leg, stop_legs


@dataclass(frozen=True)
class SiteMap:
    """Location index of the problem -> the place on the road network it stands for."""

    sites: tuple[Site, ...]
    node_ids: tuple[str, ...]
    #: the ferry links' waits where the plan meets them outside their hours
    #: (`dispatch_sea.ferry_waits`)
    ferry_waits: tuple[tuple[str, float], ...] = ()


@functools.lru_cache(maxsize=8)
def load_crews(data_dir: Path) -> Mapping[str, int]:
    """Drivers per vehicle type (`data/vehicle_types.csv`); a type not listed has one.
    Read once per data directory, not on every plan request."""
    path = data_dir / "vehicle_types.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["vehicle_type"]: int(row["crew"]) for row in csv.DictReader(fh)}


def build_problem(
    snapshot: DispatchSnapshot,
    road: RoadRouter,
    overlay: Overlay,
    *,
    national_level: str,
    crews: Mapping[str, int] | None = None,
) -> tuple[DispatchProblem, SiteMap]:
    """Depots first, then incident sites (snapped with their off-road legs, or the port a
    site at sea is served from, and the point at sea last). With closures in force, the
    open-road times come along to tell what the closures cost."""
    sites, names, at_sea = _sites(snapshot, road)
    depots = [d.node_id for d in snapshot.depots]
    points = [(inc.lat, inc.lon) for inc in snapshot.incidents]
    timed = replace(overlay, ferry_waits=ferry_waits(road, overlay, depots, points, snapshot.t0))
    matrix = road.site_matrix(sites, timed)
    open_seconds = None
    if overlay.key() != NO_OVERLAY.key():
        open_matrix = road.site_matrix(sites, replace(NO_OVERLAY, ferry_waits=timed.ferry_waits))
        open_seconds = tuple(tuple(r) for r in open_matrix.seconds)
    items = {
        i.code: ItemSpec(i.code, i.name, i.unit_weight_kg, i.unit_volume_m3, i.substitutes)
        for i in snapshot.items.values()
    }
    first_sea = len(snapshot.depots) + len(snapshot.incidents)
    legs = {
        n: sea_leg(road, overlay, snapshot, site, first_sea + k)
        for k, (n, site) in enumerate(at_sea)
    }
    homes = range(len(snapshot.depots))
    incidents = tuple(
        replace(
            inc,
            sea=legs.get(n),
            cut_off=""
            if open_seconds is None
            or any(matrix.seconds[d][inc.location] is not None for d in homes)
            else cut_off(road, overlay, sites[inc.location]),
        )
        for n, inc in enumerate(_incidents(snapshot, national_level))
    )
    problem = DispatchProblem(
        tuple(names),
        tuple(tuple(r) for r in matrix.seconds),
        tuple(tuple(r) for r in matrix.metres),
        items,
        _depot_stock(snapshot),
        _vehicles(snapshot, crews or {}),
        incidents,
        open_seconds,
    )
    return problem, SiteMap(tuple(sites), tuple(matrix.sources), timed.ferry_waits)


def _sites(
    snapshot: DispatchSnapshot, road: RoadRouter
) -> tuple[list[Site], list[str], list[tuple[int, SeaSite]]]:
    """Depots, then each incident's site (for one at sea, the port its trucks go to),
    then the points at sea themselves, which only boats reach."""
    sites: list[Site] = [d.node_id for d in snapshot.depots]
    names = [d.code for d in snapshot.depots]
    at_sea: list[tuple[int, SeaSite]] = []
    for n, inc in enumerate(snapshot.incidents):
        site = road.site((inc.lat, inc.lon), field_name="location")
        if isinstance(site, SeaSite):
            at_sea.append((n, site))
            sites.append(site.port)
            names.append(f"{road.graph.nodes[site.port].name_vi} (port, incident {inc.id})")
        else:
            sites.append(site)
            names.append(f"incident {inc.id}")
    for n, site in at_sea:
        sites.append(site)
        names.append(f"incident {snapshot.incidents[n].id} ({site.where}, by sea)")
    return sites, names, at_sea


def _vehicles(snapshot: DispatchSnapshot, crews: Mapping[str, int]) -> tuple[Vehicle, ...]:
    return tuple(
        Vehicle(
            v.key,
            v.depot,
            v.vehicle_type,
            v.payload_kg,
            v.volume_m3,
            v.speed_factor,
            0,
            crews.get(v.vehicle_type, 1),
        )
        for v in snapshot.vehicles
    )


def _depot_stock(snapshot: DispatchSnapshot) -> tuple[DepotStock, ...]:
    """Lots keep the snapshot's FEFO order as their expiry rank."""
    return tuple(
        DepotStock(
            d.code,
            n,
            {
                item: tuple(
                    LotStock(lot.lot_id, lot.lot_no, lot.quantity, rank)
                    for rank, lot in enumerate(lots)
                )
                for item, lots in d.lots.items()
            },
            dict(d.floors),
        )
        for n, d in enumerate(snapshot.depots)
    )


def _incidents(snapshot: DispatchSnapshot, national_level: str) -> tuple[IncidentDemand, ...]:
    """Incident sites come after the depots; due times become seconds from t0."""
    t0 = snapshot.t0
    return tuple(
        IncidentDemand(
            str(inc.id),
            len(snapshot.depots) + n,
            inc.level == national_level,
            tuple(
                Demand(
                    d.item,
                    d.quantity,
                    max(0, int((d.required_by - t0).total_seconds())),
                    d.priority,
                )
                for d in inc.demands
            ),
            inc.priority,
        )
        for n, inc in enumerate(snapshot.incidents)
    )


def reliance(plan: DispatchPlan) -> Reliance:
    """What the plan takes from the books, for the recheck before it is stored."""
    picks: dict[tuple[str, int], int] = {}
    for p in plan.picks:
        picks[(p.depot, p.lot_id)] = picks.get((p.depot, p.lot_id), 0) + p.quantity
    return Reliance(picks, frozenset(r.vehicle for r in plan.routes))


def to_record(
    plan: DispatchPlan,
    *,
    t0: dt.datetime,
    incident_ids: tuple[int, ...],
    sites: SiteMap,
    road: RoadRouter,
    overlay: Overlay,
) -> NewPlan:
    """The optimiser's plan in the books' terms (no sentinel: no objective is None)."""

    def at(seconds: int) -> dt.datetime:
        return t0 + dt.timedelta(seconds=seconds)

    timed = replace(overlay, ferry_waits=sites.ferry_waits)

    return NewPlan(
        incident_ids=incident_ids,
        t0=t0,
        solve_status=plan.status,
        objective=plan.objective if math.isfinite(plan.objective) else None,
        bound=plan.bound,
        solve_seconds=plan.solve_seconds,
        engine=plan.engine,
        notes=plan.notes,
        metres=plan.metres,
        unmet_units=plan.unmet_units,
        lateness_unit_hours=plan.lateness_unit_hours,
        overlay_key=overlay.key(),
        picks=tuple(
            NewPick(
                p.depot, p.item, p.lot_id, p.quantity, int(p.incident), p.for_item, p.vehicle or ""
            )
            for p in plan.picks
        ),
        routes=tuple(_route(r, at, sites, road, timed) for r in plan.routes),
        fulfilment=tuple(
            NewFulfilment(
                int(f.incident),
                f.item,
                f.quantity,
                f.met,
                f.met_on_time,
                at(f.required_by),
                None if f.last_arrival is None else at(f.last_arrival),
                f.priority,
                f.substituted,
                None if f.earliest is None else at(f.earliest),
                None if f.first_arrival is None else at(f.first_arrival),
                f.within_bound,
                f.reason,
            )
            for f in plan.fulfilment
        ),
        unmet=tuple(NewUnmet(int(u.incident), u.item, u.quantity, u.reason) for u in plan.unmet),
        within_bound_share=plan.within_bound_share,
        vehicle_seconds=plan.vehicle_seconds,
        far_vehicles=len(plan.far_vehicles),
    )


def _route(
    r: VehicleRoute,
    at: Callable[[int], dt.datetime],
    sites: SiteMap,
    road: RoadRouter,
    overlay: Overlay,
) -> NewRoute:
    coords: list[tuple[float, float]] = []
    for a, b in zip(r.stops, r.stops[1:], strict=False):
        points = road.path_coordinates(sites.sites[a.location], sites.sites[b.location], overlay)
        lonlat = [(round(lon, 5), round(lat, 5)) for lat, lon in points]
        coords.extend(lonlat if not coords else lonlat[1:])
    stops = tuple(
        NewStop(
            legs=()
            if n == 0
            else stop_legs(road, overlay, sites.sites, sites.node_ids, r.stops[n - 1], s),
            kind=s.kind,
            place=s.name,
            node_id=sites.node_ids[s.location],
            arrival_at=at(s.arrival),
            departure_at=at(s.departure),
            load_kg=round(s.load_kg, 1),
            load_m3=round(s.load_m3, 3),
            depot=s.depot,
            incident_id=int(s.incident) if s.incident else None,
            cargo=s.cargo,
        )
        for n, s in enumerate(r.stops)
    )
    return NewRoute(
        vehicle=r.vehicle,
        depot=r.depot,
        vehicle_type=r.vehicle_type,
        metres=r.metres,
        departs_at=at(r.stops[0].departure),
        returns_at=at(r.return_at),
        geometry=tuple(coords),
        stops=stops,
        crew=r.crew,
        rest_seconds=r.rest_seconds,
    )
