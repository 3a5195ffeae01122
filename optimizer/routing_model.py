"""Typed, validated input and output of the routing engine (no solver code here).

One model covers both the routing of a dispatch plan (several depots, a mixed fleet,
pickup-and-delivery pairs, soft due times, optional requests) and the textbook CVRP /
VRPTW the benchmark runs, so the engine that plans use is the engine that is measured.

Locations index the two matrices; `None` marks a pair that cannot be driven. Times are
integers in one unit throughout (seconds for dispatch, the instance's unit for VRPTW).
A visit's `arrival` is when its service starts, after any wait for its window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .driving import leg_seconds
from .errors import InvalidProblemError

Matrix = tuple[tuple[int | None, ...], ...]
VisitKind = Literal["start", "pickup", "delivery", "end"]


@dataclass(frozen=True)
class RoutingVehicle:
    """A vehicle leaving `start` no earlier than `available_from` and ending at `end`."""

    start: int
    end: int
    #: one capacity per load dimension (dispatch: kg and litres; CVRP: one)
    capacity: tuple[int, ...]
    #: travel time on this vehicle = ceil(duration / speed_factor)
    speed_factor: float = 1.0
    available_from: int = 0
    #: objective units charged once if the vehicle is used
    fixed_cost: int = 0
    #: drivers aboard (1 or 2): each leg then takes the breaks and rests of the driving
    #: rules (`driving.leg_seconds`); None means no rules (textbook instances)
    crew: int | None = None

    def __post_init__(self) -> None:
        if self.crew is not None and self.crew not in (1, 2):
            raise InvalidProblemError(f"a crew is 1 or 2 drivers, got {self.crew}")
        if not self.capacity or min(self.capacity) < 0:
            raise InvalidProblemError("a vehicle needs non-negative capacities")
        if not self.speed_factor > 0:
            raise InvalidProblemError(f"speed_factor must be positive, got {self.speed_factor}")
        if self.available_from < 0 or self.fixed_cost < 0:
            raise InvalidProblemError("available_from and fixed_cost must be >= 0")


@dataclass(frozen=True)
class RoutingRequest:
    """Goods for `delivery`: picked up at `pickup` by the same vehicle earlier on its route,
    or, when `pickup` is None, loaded at the vehicle's start."""

    delivery: int
    load: tuple[int, ...]
    pickup: int | None = None
    delivery_service: int = 0
    pickup_service: int = 0
    #: hard (earliest, latest) service start at the delivery / at the pickup
    window: tuple[int, int] | None = None
    pickup_window: tuple[int, int] | None = None
    #: soft: each time unit the delivery starts after `due` costs `late_cost`
    due: int | None = None
    late_cost: int = 0
    #: cost of leaving the request out; None means it must be served
    drop_penalty: int | None = None
    #: indices of the vehicles that may serve it; None means any
    vehicles: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not self.load or min(self.load) < 0:
            raise InvalidProblemError("a request needs non-negative loads")
        if min(self.delivery_service, self.pickup_service, self.late_cost) < 0:
            raise InvalidProblemError("service times and late_cost must be >= 0")
        if self.pickup is None and (self.pickup_service or self.pickup_window is not None):
            raise InvalidProblemError("a pickup service time or window needs a pickup")
        for window in (self.window, self.pickup_window):
            if window is not None and not 0 <= window[0] <= window[1]:
                raise InvalidProblemError(f"time window {window} is empty or negative")
        if self.late_cost and self.due is None:
            raise InvalidProblemError("late_cost needs a due time")
        if self.drop_penalty is not None and self.drop_penalty < 0:
            raise InvalidProblemError(f"drop_penalty must be >= 0, got {self.drop_penalty}")
        if self.vehicles is not None and (
            not self.vehicles or len(set(self.vehicles)) != len(self.vehicles)
        ):
            raise InvalidProblemError("allowed vehicles must be distinct and not empty")


@dataclass(frozen=True)
class RoutingProblem:
    """Matrices over locations, the fleet and the requests; needs no further preprocessing."""

    #: the arc cost minimised (dispatch: hundreds of metres; CVRP: the distance)
    distances: Matrix
    #: travel time at speed factor 1
    durations: Matrix
    vehicles: tuple[RoutingVehicle, ...]
    requests: tuple[RoutingRequest, ...]
    #: no visit and no return later than this; None means no limit
    horizon: int | None = None
    #: consecutive visits at one location are one stop: the service (loading, unloading)
    #: is done once, at the last of them, so a truck loading three parcels at a depot
    #: loads for 30 min, not 90. Off for textbook instances, where it is never so.
    merge_stops: bool = False
    #: objective units per time unit a used vehicle is out (start to end): vehicle-hours
    span_cost: int = 0

    def __post_init__(self) -> None:
        n = len(self.distances)
        _check_matrix("distances", self.distances, n)
        _check_matrix("durations", self.durations, n)
        if self.horizon is not None and self.horizon <= 0:
            raise InvalidProblemError(f"horizon must be positive, got {self.horizon}")
        if self.span_cost < 0:
            raise InvalidProblemError(f"span_cost must be >= 0, got {self.span_cost}")
        dims = {len(v.capacity) for v in self.vehicles} | {len(r.load) for r in self.requests}
        if len(dims) > 1:
            raise InvalidProblemError("every capacity and load needs the same number of values")
        for i, v in enumerate(self.vehicles):
            if not (0 <= v.start < n and 0 <= v.end < n):
                raise InvalidProblemError(f"vehicle {i}: start or end location out of range")
        for r, req in enumerate(self.requests):
            places = [req.delivery] if req.pickup is None else [req.pickup, req.delivery]
            if any(not 0 <= loc < n for loc in places):
                raise InvalidProblemError(f"request {r}: location out of range")
            if req.vehicles is not None and not all(
                0 <= v < len(self.vehicles) for v in req.vehicles
            ):
                raise InvalidProblemError(f"request {r}: allowed vehicle out of range")

    @property
    def dimensions(self) -> int:
        """Number of load dimensions (capacities per vehicle, loads per request)."""
        if self.vehicles:
            return len(self.vehicles[0].capacity)
        return len(self.requests[0].load) if self.requests else 1

    @property
    def timed(self) -> bool:
        """Whether time constrains or costs anything; if not, the engine ignores it."""
        return (
            self.horizon is not None
            or self.span_cost > 0
            or any(v.available_from for v in self.vehicles)
            or any(
                r.window is not None or r.pickup_window is not None or r.late_cost
                for r in self.requests
            )
        )

    def travel(self, a: int, b: int, vehicle: RoutingVehicle) -> int | None:
        """Time of `vehicle` from location a to b, with the crew's breaks and rests;
        None if it cannot be driven."""
        seconds = self.durations[a][b]
        if seconds is None or self.distances[a][b] is None:
            return None
        driving = math.ceil(seconds / vehicle.speed_factor)
        return driving if vehicle.crew is None else leg_seconds(driving, vehicle.crew)

    def place(self, stop: tuple[int, bool]) -> int:
        """Location of a stop (request, True for its pickup / False for its delivery)."""
        req = self.requests[stop[0]]
        place = req.pickup if stop[1] else req.delivery
        assert place is not None, "a pickup stop of a request without a pickup"
        return place

    def service(self, stops: Sequence[tuple[int, bool]], k: int) -> int:
        """Service time at the k-th of a route's `stops`: nothing when stops merge and
        the next stop is at the same location (the service is done there, once)."""
        if (
            self.merge_stops
            and k + 1 < len(stops)
            and self.place(stops[k + 1]) == self.place(stops[k])
        ):
            return 0
        req = self.requests[stops[k][0]]
        return req.pickup_service if stops[k][1] else req.delivery_service

    def allowed(self, r: int) -> tuple[int, ...]:
        """Vehicles that may serve request r: those allowed that can carry it alone."""
        req = self.requests[r]
        candidates = range(len(self.vehicles)) if req.vehicles is None else req.vehicles
        return tuple(
            v
            for v in candidates
            if all(q <= c for q, c in zip(req.load, self.vehicles[v].capacity, strict=True))
        )


def _check_matrix(name: str, matrix: Sequence[Sequence[int | None]], n: int) -> None:
    if n == 0:
        raise InvalidProblemError(f"{name}: needs at least one location")
    for a, row in enumerate(matrix):
        if len(row) != n:
            raise InvalidProblemError(f"{name}: row {a} has {len(row)} values, expected {n}")
        for value in row:
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InvalidProblemError(
                    f"{name}: row {a} holds {value!r}; values are integers >= 0 or None"
                )


@dataclass(frozen=True)
class RoutingParams:
    """How long to search, and what may end the search before the clock does."""

    time_limit_s: float = 5.0
    #: OR-Tools' improvement limit: stop once improvements slow below this rate over
    #: `improvement_window` solutions. It is checked only when a better plan is found, so
    #: a search that has converged runs on to the clock. None: no such limit
    improvement_rate: float | None = None
    improvement_window: int = 50
    #: stop after this many solutions (the search's steps, not distinct plans): the run
    #: then does not depend on the machine's speed, so the same input gives the same plan
    solution_limit: int | None = None
    #: on a problem PyVRP can express (textbook CVRP / VRPTW, not dispatch), also run
    #: PyVRP, one search per core, and keep the cheapest plan (`_routing_portfolio`)
    parallel: bool = True
    #: PyVRP's seeds are `seed` and `seed + 1`
    seed: int = 0

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise InvalidProblemError(f"seed must be >= 0, got {self.seed}")
        if not 0 < self.time_limit_s <= 3600:
            raise InvalidProblemError(f"time_limit_s must be in (0, 3600], got {self.time_limit_s}")
        if self.improvement_rate is not None and not self.improvement_rate > 0:
            raise InvalidProblemError("improvement_rate must be positive")
        if self.improvement_window <= 0:
            raise InvalidProblemError("improvement_window must be positive")
        if self.solution_limit is not None and self.solution_limit <= 0:
            raise InvalidProblemError("solution_limit must be positive")


@dataclass(frozen=True)
class Visit:
    kind: VisitKind
    location: int
    request: int | None
    arrival: int
    #: on board when the vehicle arrives, per load dimension
    load: tuple[int, ...]


@dataclass(frozen=True)
class Route:
    """One used vehicle: its start, the pickups and deliveries in order, its end."""

    vehicle: int
    visits: tuple[Visit, ...]
    distance: int


@dataclass(frozen=True)
class RoutingResult:
    """The plan, or `feasible` False with no routes and a `message` (never an exception)."""

    feasible: bool
    routes: tuple[Route, ...]
    dropped: tuple[int, ...]
    #: distance + fixed costs of used vehicles + lateness + drop penalties
    objective: int
    distance: int
    wall_s: float
    message: str = ""
    #: the search whose plan this is ("ortools" or "pyvrp"); "" without a plan
    engine: str = ""
