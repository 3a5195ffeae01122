"""Typed, validated input and output of the dispatch model (no solver code here).

Times are seconds from the plan's reference moment t0; travel comes as an integer
matrix over `locations` (None where closures or hazard zones cut a pair apart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import InvalidProblemError

SolveStatus = Literal["optimal", "feasible", "infeasible", "timed_out", "no_solution"]


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    unit_weight_kg: float
    unit_volume_m3: float
    #: codes that may stand in for this item, best first (never the reverse direction)
    substitutes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.unit_weight_kg < 0 or self.unit_volume_m3 < 0:
            raise InvalidProblemError(f"item {self.code}: weight and volume must be >= 0")


@dataclass(frozen=True)
class LotStock:
    """Usable, unreserved units of one lot (the caller filters out unusable stock)."""

    lot_id: int
    lot_no: str | None
    quantity: int
    expiry_rank: int = 0  # smaller expires first (FEFO)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidProblemError(f"lot {self.lot_id}: quantity must be positive")


@dataclass(frozen=True)
class DepotStock:
    code: str
    location: int  # index into DispatchProblem.locations
    lots: dict[str, tuple[LotStock, ...]]  # item -> lots in FEFO order
    #: units of an item the depot keeps for its own area unless the incident is national
    reserve_floor: dict[str, int] = field(default_factory=dict)

    def available(self, item: str) -> int:
        return sum(lot.quantity for lot in self.lots.get(item, ()))


@dataclass(frozen=True)
class Vehicle:
    id: str
    depot: str
    vehicle_type: str
    capacity_kg: float
    capacity_m3: float
    speed_factor: float = 1.0
    available_from: int = 0
    #: drivers aboard: 2 may drive on where 1 must rest (optimizer.driving)
    crew: int = 1

    def __post_init__(self) -> None:
        if self.capacity_kg <= 0 or self.capacity_m3 <= 0:
            raise InvalidProblemError(f"vehicle {self.id}: capacity must be positive")
        if self.crew not in (1, 2):
            raise InvalidProblemError(f"vehicle {self.id}: a crew is 1 or 2 drivers")
        if not 0.2 <= self.speed_factor <= 2.0:
            raise InvalidProblemError(f"vehicle {self.id}: speed_factor out of range")


@dataclass(frozen=True)
class Demand:
    item: str
    quantity: int
    required_by: int  # seconds from t0
    priority: int = 3  # 1 (low) .. 5 (life-saving)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidProblemError(f"demand for {self.item}: quantity must be positive")
        if not 1 <= self.priority <= 5:
            raise InvalidProblemError(f"demand for {self.item}: priority must be 1..5")


@dataclass(frozen=True)
class Boat:
    """A response vessel that loads at the port of a sea leg from `available_from` on
    (after sailing `approach_km` from its own port, `home`, when it is berthed elsewhere)."""

    id: str
    depot: str
    capacity_kg: float
    capacity_m3: float
    speed_kmh: float
    available_from: int = 0
    #: a boat berthed elsewhere sails to the port first: from where, and how far
    home: str = ""
    approach_km: float = 0.0

    def __post_init__(self) -> None:
        if self.capacity_kg <= 0 or self.capacity_m3 <= 0 or self.speed_kmh <= 0:
            raise InvalidProblemError(f"boat {self.id}: capacity and speed must be positive")


@dataclass(frozen=True)
class SeaLeg:
    """The last leg of an incident no road reaches (at sea, or on an island no ferry
    serves): trucks land its goods at the port (the incident's `location`), the port's
    boats take them aboard (`transfer_s`) and sail `sea_km` to `site`, the location of
    the point itself. `closed` says why no boat may sail (a storm closing the sea)."""

    site: int
    port: str
    sea_km: float
    boats: tuple[Boat, ...]
    transfer_s: int = 1800
    closed: str = ""

    def sail_seconds(self, boat: Boat) -> int:
        return round(self.sea_km / boat.speed_kmh * 3600)

    def landing(self, at_port: int, unload_s: int) -> int | None:
        """When goods landed at the port at `at_port` can be on site: aboard the first
        boat that can take them there, its capacity ignored (as the bound ignores
        vehicles'); None if no boat can sail."""
        if self.closed or not self.boats:
            return None
        return unload_s + min(
            max(at_port, b.available_from) + self.transfer_s + self.sail_seconds(b)
            for b in self.boats
        )

    def carries(self, spec: ItemSpec) -> bool:
        """Whether some boat can take a unit of the item aboard."""
        return any(
            spec.unit_weight_kg <= b.capacity_kg and spec.unit_volume_m3 <= b.capacity_m3
            for b in self.boats
        )

    def why_not(self) -> str:
        """Why the site cannot be served, when it cannot."""
        if self.closed:
            return self.closed
        return f"no boat is free at {self.port} to sail to the site"


@dataclass(frozen=True)
class IncidentDemand:
    id: str
    location: int
    national: bool
    demands: tuple[Demand, ...]
    priority: int = 3
    sea: SeaLeg | None = None
    #: why closures cut the site off from every depot, in words ("" when they do not)
    cut_off: str = ""

    def landing(self, at_location: int, unload_s: int) -> int | None:
        """When goods that reach `location` at `at_location` are on site: then, where
        trucks reach the site itself; aboard a boat where it is at sea (None where no
        boat can take them on)."""
        return at_location if self.sea is None else self.sea.landing(at_location, unload_s)

    def __post_init__(self) -> None:
        items = [d.item for d in self.demands]
        if len(items) != len(set(items)):
            raise InvalidProblemError(f"incident {self.id}: one demand line per item")
        if not 1 <= self.priority <= 5:
            raise InvalidProblemError(f"incident {self.id}: priority must be 1..5")


@dataclass(frozen=True)
class DispatchParams:
    time_limit_s: float = 1.0
    seed: int = 0
    load_seconds: int = 1800  # loading at a depot
    unload_seconds: int = 900  # unloading at the site
    horizon_s: int = 72 * 3600
    #: a substitute unit costs as much as arriving this many hours later
    substitute_penalty_h: float = 1.0
    #: a provincial-level incident draws on depots whose first load can be on site within
    #: this time (a planning assumption, data/README.md); national ones on every depot
    provincial_reach_s: int = 12 * 3600
    #: a unit landing past its line's bound rule (max(30 min, 25 %) after the earliest the
    #: whole line could be there) costs this many hours more in the allocation, the first
    #: wave and the boats' loading: of two loads, the one still inside its line's rule goes
    #: first. Measured over the bench sweep's 143 plans (bench/README.md): at 24 h every plan
    #: whose ceiling allows 95 % within the rule reaches it (at 6 h the Nghi Sơn refinery's
    #: national spill did not: its first trips carried bales of pads, not the fence booms a
    #: later trip lands past their rule), for 0.19 % more objective over all the plans
    beyond_bound_h: float = 24.0

    def __post_init__(self) -> None:
        if not 0 < self.time_limit_s <= 600:
            raise InvalidProblemError("time_limit_s must be in (0, 600]")
        if not 0 <= self.beyond_bound_h <= 72:
            raise InvalidProblemError("beyond_bound_h must be in [0, 72]")
        if self.horizon_s <= 0 or self.provincial_reach_s <= 0:
            raise InvalidProblemError("horizon_s and provincial_reach_s must be positive")


@dataclass(frozen=True)
class DispatchProblem:
    locations: tuple[str, ...]  # names (node ids or site labels), for reports
    seconds: tuple[tuple[int | None, ...], ...]
    metres: tuple[tuple[int | None, ...], ...]
    items: dict[str, ItemSpec]
    depots: tuple[DepotStock, ...]
    vehicles: tuple[Vehicle, ...]
    incidents: tuple[IncidentDemand, ...]
    #: travel times with no closure or hazard zone, to tell how much closures cost;
    #: None when nothing is closed
    open_seconds: tuple[tuple[int | None, ...], ...] | None = None

    def __post_init__(self) -> None:
        n = len(self.locations)
        if len(self.seconds) != n or any(len(r) != n for r in self.seconds):
            raise InvalidProblemError("the travel-time matrix must be square over locations")
        if len(self.metres) != n or any(len(r) != n for r in self.metres):
            raise InvalidProblemError("the distance matrix must be square over locations")
        depot_codes = {d.code for d in self.depots}
        for d in self.depots:
            if not 0 <= d.location < n:
                raise InvalidProblemError(f"depot {d.code}: location out of range")
            for item in d.lots:
                if item not in self.items:
                    raise InvalidProblemError(f"depot {d.code} holds unknown item {item}")
        for v in self.vehicles:
            if v.depot not in depot_codes:
                raise InvalidProblemError(f"vehicle {v.id}: unknown depot {v.depot}")
        for inc in self.incidents:
            if not 0 <= inc.location < n:
                raise InvalidProblemError(f"incident {inc.id}: location out of range")
            if inc.sea is not None and not 0 <= inc.sea.site < n:
                raise InvalidProblemError(f"incident {inc.id}: sea site out of range")
            for dem in inc.demands:
                if dem.item not in self.items:
                    raise InvalidProblemError(f"incident {inc.id}: unknown item {dem.item}")
        for spec in self.items.values():
            for sub in spec.substitutes:
                if sub not in self.items:
                    raise InvalidProblemError(f"item {spec.code}: unknown substitute {sub}")

    def depot(self, code: str) -> DepotStock:
        return next(d for d in self.depots if d.code == code)

    def incident(self, incident_id: str) -> IncidentDemand:
        return next(i for i in self.incidents if i.id == incident_id)


# ------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class PickLine:
    depot: str
    item: str
    lot_id: int
    lot_no: str | None
    quantity: int
    incident: str
    for_item: str  # the demanded item this meets (differs when substituted)
    vehicle: str | None


@dataclass(frozen=True)
class Stop:
    location: int
    name: str
    kind: Literal["start", "pickup", "delivery", "end"]
    arrival: int
    departure: int
    load_kg: float
    load_m3: float
    depot: str | None = None
    incident: str | None = None
    cargo: tuple[tuple[str, int], ...] = ()  # (item, quantity) picked up or delivered here


@dataclass(frozen=True)
class VehicleRoute:
    vehicle: str
    depot: str
    vehicle_type: str
    stops: tuple[Stop, ...]
    metres: int
    return_at: int
    crew: int = 1
    #: time spent in breaks and rests the driving rules impose on the way
    rest_seconds: int = 0


@dataclass(frozen=True)
class Fulfilment:
    """One demand line: what arrives and when, beside the earliest it possibly could.

    `earliest` is the line's bound: the whole quantity taken from the depots holding it
    (or an allowed substitute), nearest first, each driving straight to the site with its
    loading and unloading, vehicles and their capacity ignored. A unit is `within_bound`
    if it lands no later than max(30 min, 25 %) after that bound. `reason` says in plain
    words why the line is slower than that, late, or not met; empty when it is not."""

    incident: str
    item: str
    quantity: int
    met: int
    met_on_time: int
    last_arrival: int | None
    required_by: int
    priority: int
    substituted: tuple[tuple[str, int], ...] = ()
    earliest: int | None = None
    first_arrival: int | None = None
    within_bound: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Unmet:
    incident: str
    item: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class DispatchPlan:
    """`objective` is in priority-weighted unit-hours: the hours until every delivered
    unit lands, plus the substitution penalty, plus twice the horizon for every unmet
    unit. `bound` is a lower bound on it: every line served from the nearest stock
    straight to the site, as in `Fulfilment.earliest`, with no vehicle or capacity limit,
    and what no depot can supply unmet; objective - bound bounds what any better plan
    could gain. `within_bound_share` is the share of priority-weighted units on fully met
    lines that land within their line's bound rule. Vehicle-hours and distance are
    reported apart."""

    status: SolveStatus
    objective: float
    bound: float | None
    lateness_unit_hours: float
    unmet_units: int
    metres: int
    picks: tuple[PickLine, ...]
    routes: tuple[VehicleRoute, ...]
    fulfilment: tuple[Fulfilment, ...]
    unmet: tuple[Unmet, ...]
    solve_seconds: float
    engine: str
    notes: tuple[str, ...] = ()
    within_bound_share: float | None = None
    vehicle_seconds: int = 0
    #: loads a vehicle took at a depot far from its home while that depot kept a vehicle
    #: idle that could have carried them, in words (`dispatch_bounds.far_vehicles`)
    far_vehicles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str
