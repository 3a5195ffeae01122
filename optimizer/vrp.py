"""Standard-instance routing: CVRP and VRPTW read from VRPLIB or Solomon files, solved by
a tuned OR-Tools search and PyVRP side by side, and checked by a solver-independent checker.

Distances are integers so every engine optimises the same numbers: Solomon distances are
truncated to one decimal and kept as tenths (cost reported / 10), as in the literature;
VRPLIB EUC_2D distances are rounded to the nearest integer. Solomon travel time equals
distance, so windows and service times are kept in tenths too."""

from __future__ import annotations

import math
import multiprocessing
import queue
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .errors import InvalidProblemError

VrpKind = Literal["cvrp", "vrptw"]
Engine = Literal["best", "ortools", "pyvrp"]
IntMatrix = npt.NDArray[np.int64]

#: seconds the two-process "best" engine keeps back for fork, result transfer and shutdown
_POOL_OVERHEAD_S = 0.05
#: share of the budget kept back for the same reason on long runs
_POOL_OVERHEAD_SHARE = 0.005
#: seconds past the deadline after which a worker that has not answered is stopped
_WORKER_GRACE_S = 10.0


@dataclass(frozen=True, eq=False)
class VrpInstance:
    """A validated CVRP or VRPTW with one depot; needs no further preprocessing.

    Index i of every array is a node; `numbers[i]` is its number in the instance file.
    `distances` is in integer units: cost = units / `scale` (10 for Solomon, 1 for VRPLIB).
    For a VRPTW travel time equals distance, and windows and service use the same units."""

    name: str
    kind: VrpKind
    distances: IntMatrix
    demands: tuple[int, ...]
    capacity: int
    depot: int = 0
    numbers: tuple[int, ...] = ()
    scale: int = 1
    #: None means an unlimited fleet (as the CVRPLIB X instances have)
    num_vehicles: int | None = None
    #: (ready, due) per node for a VRPTW, None for a CVRP
    time_windows: tuple[tuple[int, int], ...] | None = None
    service_times: tuple[int, ...] = ()
    convention: str = ""

    def __post_init__(self) -> None:
        n = len(self.demands)
        d = self.distances
        if n < 2:
            raise InvalidProblemError(f"{self.name}: needs a depot and at least one client")
        if d.ndim != 2 or d.shape != (n, n):
            raise InvalidProblemError(
                f"{self.name}: distance matrix is {d.shape}, expected {n} x {n}"
            )
        if not np.issubdtype(d.dtype, np.integer) or (d < 0).any():
            raise InvalidProblemError(f"{self.name}: distances must be non-negative integers")
        if not 0 <= self.depot < n:
            raise InvalidProblemError(f"{self.name}: depot index {self.depot} out of range")
        if not self.numbers:
            object.__setattr__(self, "numbers", tuple(range(n)))
        if len(self.numbers) != n or len(set(self.numbers)) != n:
            raise InvalidProblemError(f"{self.name}: node numbers must be {n} distinct values")
        if not self.service_times:
            object.__setattr__(self, "service_times", (0,) * n)
        if len(self.service_times) != n or min(self.service_times) < 0:
            raise InvalidProblemError(f"{self.name}: needs {n} non-negative service times")
        if self.capacity <= 0:
            raise InvalidProblemError(f"{self.name}: capacity must be positive")
        if self.scale <= 0:
            raise InvalidProblemError(f"{self.name}: scale must be positive")
        if self.num_vehicles is not None and self.num_vehicles <= 0:
            raise InvalidProblemError(f"{self.name}: number of vehicles must be positive")
        self._check_demands()
        self._check_time_windows()
        d.setflags(write=False)

    def _check_demands(self) -> None:
        if self.demands[self.depot] != 0:
            raise InvalidProblemError(f"{self.name}: the depot must have demand 0")
        for i, q in enumerate(self.demands):
            if q < 0:
                raise InvalidProblemError(f"{self.name}: node {self.numbers[i]} demand {q} < 0")
            if q > self.capacity:
                raise InvalidProblemError(
                    f"{self.name}: node {self.numbers[i]} demands {q}, "
                    f"more than a vehicle's capacity {self.capacity}"
                )

    def _check_time_windows(self) -> None:
        windows = self.time_windows
        if (windows is None) != (self.kind == "cvrp"):
            raise InvalidProblemError(f"{self.name}: a vrptw needs time windows, a cvrp none")
        if windows is None:
            if any(self.service_times):
                raise InvalidProblemError(f"{self.name}: service times need time windows")
            return
        if len(windows) != len(self.demands):
            raise InvalidProblemError(f"{self.name}: needs one time window per node")
        for i, (ready, due) in enumerate(windows):
            if ready > due or ready < 0:
                raise InvalidProblemError(
                    f"{self.name}: node {self.numbers[i]} window [{ready}, {due}] is empty"
                )

    @property
    def clients(self) -> list[int]:
        """Node indices of the clients (every node but the depot)."""
        return [i for i in range(len(self.demands)) if i != self.depot]

    def fleet_bound(self) -> int:
        """Vehicles an engine may use: the instance's own, or enough for any plan."""
        if self.num_vehicles is not None:
            return self.num_vehicles
        # First fit never leaves two bins at most half full, so this many always suffice.
        bound = 2 * math.ceil(sum(self.demands) / self.capacity) + 1
        return min(len(self.clients), bound)

    def route_cost(self, nodes: Sequence[int]) -> int:
        path = [self.depot, *nodes, self.depot]
        return sum(int(self.distances[a, b]) for a, b in pairwise(path))


@dataclass(frozen=True)
class VrpParams:
    time_limit_s: float = 5.0
    seed: int = 0
    engine: Engine = "best"
    #: also stop PyVRP after this many iterations, for reproducible runs (tests)
    max_iterations: int | None = None
    #: "best" only: share of the second worker's time for the OR-Tools search before
    #: PyVRP (another seed) takes the rest; 1.0 leaves that worker to OR-Tools
    ortools_share: float = 0.05

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ValueError(f"time_limit_s must be positive, got {self.time_limit_s}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.engine not in ("best", "ortools", "pyvrp"):
            raise ValueError(f"engine must be best, ortools or pyvrp, got {self.engine!r}")
        if not 0.0 <= self.ortools_share <= 1.0:
            raise ValueError(f"ortools_share must be in [0, 1], got {self.ortools_share}")
        if self.max_iterations is not None and self.max_iterations <= 0:
            raise ValueError(f"max_iterations must be positive, got {self.max_iterations}")


@dataclass(frozen=True)
class EngineRun:
    """What one engine returned inside `solve_vrp` (cost in integer units, None if no plan)."""

    engine: str
    cost_units: int | None
    wall_s: float


@dataclass(frozen=True)
class VrpSolution:
    """Routes in the file's numbering (depot left out); cost by the instance's convention.

    An infeasible result is a value: `feasible` False, no routes, and a `message`."""

    routes: tuple[tuple[int, ...], ...]
    cost: float
    cost_units: int
    vehicles: int
    engine: str
    wall_s: float
    feasible: bool
    message: str = ""
    runs: tuple[EngineRun, ...] = field(default=())


# --------------------------------------------------------------------------- reading


_SUPPORTED_VRPLIB_KEYS = {
    "name",
    "comment",
    "type",
    "dimension",
    "edge_weight_type",
    "edge_weight_format",
    "node_coord_type",
    "display_data_type",
    "capacity",
    "vehicles",
    "node_coord",
    "display_data",
    "demand",
    "depot",
    "edge_weight",
    "time_window",
    "service_time",
}


def read_instance(path: str | Path) -> VrpInstance:
    """Read a VRPLIB (CVRP, VRPTW) or Solomon (VRPTW) file; every failure to parse or an
    unsupported feature raises `InvalidProblemError` with a one-line message."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProblemError(f"{path.name}: cannot read the file ({_reason(exc)})") from exc
    if not text.strip():
        raise InvalidProblemError(f"{path.name}: the file is empty")
    if _looks_like_solomon(text):
        return _read_solomon(path)
    return _read_vrplib(path)


def _reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= 160 else message[:157] + "..."


def _looks_like_solomon(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) > 3 and lines[1].upper().startswith("VEHICLE") and "CUSTOMER" in text


def _read_solomon(path: Path) -> VrpInstance:
    import vrplib

    try:
        raw = vrplib.read_instance(path, instance_format="solomon", compute_edge_weights=False)
        coords = np.asarray(raw["node_coord"])
        demands = [int(q) for q in raw["demand"]]
        windows = [(int(a), int(b)) for a, b in np.asarray(raw["time_window"])]
        service = [int(s) for s in raw["service_time"]]
        vehicles = int(raw["vehicles"])
        capacity = int(raw["capacity"])
        name = str(raw["name"]).strip()
    except Exception as exc:
        raise InvalidProblemError(
            f"{path.name}: not a valid Solomon file ({_reason(exc)})"
        ) from exc
    if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) != len(demands):
        raise InvalidProblemError(f"{path.name}: not a valid Solomon file (bad customer rows)")
    scale = 10
    return VrpInstance(
        name=name or path.stem,
        kind="vrptw",
        distances=_euclidean(coords, scale, "trunc"),
        demands=tuple(demands),
        capacity=capacity,
        depot=0,
        numbers=tuple(range(len(demands))),
        scale=scale,
        num_vehicles=vehicles,
        time_windows=tuple((a * scale, b * scale) for a, b in windows),
        service_times=tuple(s * scale for s in service),
        convention="Solomon: distances truncated to one decimal",
    )


def _read_vrplib(path: Path) -> VrpInstance:
    import vrplib

    try:
        raw = vrplib.read_instance(path, compute_edge_weights=False)
    except Exception as exc:
        raise InvalidProblemError(f"{path.name}: not a valid VRPLIB file ({_reason(exc)})") from exc
    try:
        return _vrplib_instance(path, raw)
    except InvalidProblemError:
        raise
    except Exception as exc:
        raise InvalidProblemError(f"{path.name}: not a valid VRPLIB file ({_reason(exc)})") from exc


def _vrplib_instance(path: Path, raw: dict[str, Any]) -> VrpInstance:
    def fail(what: str) -> InvalidProblemError:
        return InvalidProblemError(f"{path.name}: {what}")

    if not raw:
        raise fail("not a valid VRPLIB file (no specification found)")
    unsupported = sorted(set(raw) - _SUPPORTED_VRPLIB_KEYS)
    if unsupported:
        keys = ", ".join(k.upper() for k in unsupported)
        raise fail(f"unsupported VRPLIB feature {keys} (only CVRP and VRPTW are supported)")
    kind_text = str(raw.get("type", "CVRP")).upper()
    if kind_text not in ("CVRP", "VRPTW", "CVRPTW"):
        raise fail(f"unsupported problem TYPE {kind_text} (only CVRP and VRPTW)")
    for key in ("dimension", "capacity", "demand"):
        if key not in raw:
            raise fail(f"missing {key.upper()}")
    n = int(raw["dimension"])
    depots = np.asarray(raw.get("depot", [0])).ravel()
    if len(depots) != 1:
        raise fail(f"{len(depots)} depots; only single-depot instances are supported")
    depot = int(depots[0])
    demands = np.asarray(raw["demand"])
    if demands.ndim != 1:
        raise fail("multi-dimensional DEMAND_SECTION is not supported")
    if len(demands) != n:
        raise fail(f"DEMAND_SECTION has {len(demands)} rows, DIMENSION is {n}")
    if not np.all(np.equal(np.mod(demands, 1), 0)):
        raise fail("demands must be integers")
    distances = _vrplib_distances(path, raw, n)
    has_tw = "time_window" in raw
    if kind_text != "CVRP" and not has_tw:
        raise fail(f"TYPE {kind_text} without TIME_WINDOW_SECTION")
    windows = None
    service: tuple[int, ...] = (0,) * n
    if has_tw:
        tw = np.asarray(raw["time_window"])
        if tw.shape != (n, 2):
            raise fail(f"TIME_WINDOW_SECTION must have {n} rows of two values")
        windows = tuple((_integer(path, a), _integer(path, b)) for a, b in tw)
    if "service_time" in raw:
        st = np.asarray(raw["service_time"])
        service = (
            tuple(_integer(path, s) for s in st) if st.ndim == 1 else (_integer(path, st),) * n
        )
        service = tuple(0 if i == depot else s for i, s in enumerate(service))
        if len(service) != n:
            raise fail(f"SERVICE_TIME_SECTION must have {n} rows")
    capacity = raw["capacity"]
    vehicles = raw.get("vehicles")
    return VrpInstance(
        name=str(raw.get("name", path.stem)),
        kind="vrptw" if has_tw else "cvrp",
        distances=distances,
        demands=tuple(int(q) for q in demands),
        capacity=_integer(path, capacity),
        depot=depot,
        numbers=tuple(range(1, n + 1)),
        scale=1,
        num_vehicles=None if vehicles is None else _integer(path, vehicles),
        time_windows=windows,
        service_times=service,
        convention=f"VRPLIB {raw.get('edge_weight_type')}: distances rounded to integers",
    )


def _integer(path: Path, value: Any) -> int:
    number = float(value)
    if not number.is_integer():
        raise InvalidProblemError(f"{path.name}: expected an integer, got {value!r}")
    return int(number)


def _vrplib_distances(path: Path, raw: dict[str, Any], n: int) -> IntMatrix:
    kind = str(raw.get("edge_weight_type", "")).upper()
    if kind == "EXPLICIT":
        if "edge_weight" not in raw:
            raise InvalidProblemError(f"{path.name}: EXPLICIT without EDGE_WEIGHT_SECTION")
        matrix = np.asarray(raw["edge_weight"], dtype=float)
        if matrix.shape != (n, n):
            raise InvalidProblemError(f"{path.name}: EDGE_WEIGHT_SECTION is not {n} x {n}")
        return np.asarray(np.rint(matrix), dtype=np.int64)
    modes = {"EUC_2D": "round", "CEIL_2D": "ceil"}
    if kind not in modes:
        raise InvalidProblemError(
            f"{path.name}: unsupported EDGE_WEIGHT_TYPE {kind or '(none)'} "
            "(EUC_2D, CEIL_2D or EXPLICIT)"
        )
    if "node_coord" not in raw:
        raise InvalidProblemError(f"{path.name}: {kind} without NODE_COORD_SECTION")
    coords = np.asarray(raw["node_coord"])
    if coords.shape != (n, 2):
        raise InvalidProblemError(f"{path.name}: NODE_COORD_SECTION must have {n} rows of x y")
    return _euclidean(coords, 1, modes[kind])


def _euclidean(coords: npt.NDArray[Any], scale: int, mode: str) -> IntMatrix:
    """Euclidean distances x `scale`, truncated, rounded half up or ceiled to integers.

    Integer coordinates are handled exactly with integer square roots, so no
    floating-point error can move a distance across a truncation or rounding boundary."""
    n = len(coords)
    if np.all(np.equal(np.mod(coords, 1), 0)):
        xy = np.asarray(coords, dtype=np.int64)
        out = np.zeros((n, n), dtype=np.int64)
        for i in range(n):
            dx = xy[:, 0] - xy[i, 0]
            dy = xy[:, 1] - xy[i, 1]
            sq = (dx * dx + dy * dy) * scale * scale
            for j in range(n):
                s = int(sq[j])
                root = math.isqrt(s)
                if mode == "trunc":
                    out[i, j] = root
                elif mode == "round":  # floor(sqrt(s) + 1/2) = (isqrt(4s) + 1) // 2
                    out[i, j] = (math.isqrt(4 * s) + 1) // 2
                else:
                    out[i, j] = root if root * root == s else root + 1
        return out
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.sqrt((diff.astype(float) ** 2).sum(axis=2)) * scale
    if mode == "trunc":
        return np.asarray(np.floor(dist + 1e-9), dtype=np.int64)
    if mode == "round":
        return np.asarray(np.floor(dist + 0.5), dtype=np.int64)
    return np.asarray(np.ceil(dist - 1e-9), dtype=np.int64)


# --------------------------------------------------------------------------- solving


def solve_vrp(instance: VrpInstance, params: VrpParams) -> VrpSolution:
    """Best plan found within `params.time_limit_s` wall seconds (total, all processes).

    Engine "best" runs two processes with the same budget and keeps the cheaper feasible
    plan: PyVRP with `params.seed`, and the tuned OR-Tools search for `ortools_share` of
    the time followed by PyVRP with seed + 1 from its own start. The plan's
    `engine` says which produced it; `runs` lists what each process returned."""
    start = time.monotonic()
    deadline = start + params.time_limit_s
    if params.engine == "best":
        runs = _solve_in_parallel(instance, params, deadline)
    else:
        runs = [_run_engine(params.engine, instance, deadline, params)]
    return _pick(instance, runs, time.monotonic() - start, params)


_Result = tuple[str, list[list[int]] | None, float]


def _run_engine(
    engine: str,
    instance: VrpInstance,
    deadline: float,
    params: VrpParams,
) -> _Result:
    """One engine until `deadline` (a `time.monotonic()` value, system-wide on Linux).

    "ortools+pyvrp" runs the OR-Tools search for a share of the time, then PyVRP with the
    next seed from its own random start, and returns the cheaper of the two plans. Cold,
    not warm-started from the OR-Tools plan: measured at 5 s on four instances, the
    warm-started pair was no better than PyVRP alone, the independent pair 0.13% better
    (bench/README.md). OR-Tools' plan stays as the fallback."""
    started = time.monotonic()
    if engine == "ortools":
        return engine, _ortools(instance, deadline), time.monotonic() - started
    if engine == "pyvrp":
        return engine, _pyvrp(instance, deadline, params, params.seed), time.monotonic() - started
    if engine != "ortools+pyvrp":
        raise ValueError(f"unknown engine {engine!r}")
    share = params.ortools_share
    fallback = _ortools(instance, started + share * (deadline - started)) if share else None
    routes = None if share >= 1.0 else _pyvrp(instance, deadline, params, params.seed + 1)
    if fallback is not None and (
        routes is None or _units(instance, fallback) < _units(instance, routes)
    ):
        return "ortools", fallback, time.monotonic() - started
    return "pyvrp", routes, time.monotonic() - started


def _units(instance: VrpInstance, routes: list[list[int]]) -> int:
    return sum(instance.route_cost(r) for r in routes)


def _ortools(instance: VrpInstance, deadline: float) -> list[list[int]] | None:
    from ._vrp_ortools import OrToolsProblem, solve_ortools

    problem = OrToolsProblem(
        distances=instance.distances.tolist(),
        demands=instance.demands,
        capacity=instance.capacity,
        depot=instance.depot,
        num_vehicles=instance.fleet_bound(),
        time_windows=instance.time_windows,
        service=instance.service_times,
    )
    return solve_ortools(problem, deadline - time.monotonic())


def _pyvrp(
    instance: VrpInstance,
    deadline: float,
    params: VrpParams,
    seed: int,
) -> list[list[int]] | None:
    from ._vrp_pyvrp import PyVrpProblem, solve_pyvrp

    problem = PyVrpProblem(
        distances=instance.distances,
        demands=instance.demands,
        capacity=instance.capacity,
        depot=instance.depot,
        num_vehicles=instance.fleet_bound(),
        time_windows=instance.time_windows,
        service=instance.service_times,
    )
    return solve_pyvrp(problem, deadline, seed, params.max_iterations)


def _worker(
    slot: int,
    engine: str,
    instance: VrpInstance,
    deadline: float,
    params: VrpParams,
    results: Queue[Any],
) -> None:
    """One process of the "best" engine; its answer goes back through `results`."""
    try:
        result = _run_engine(engine, instance, deadline, params)
    except Exception as exc:  # an engine crash must not hide the other's plan
        result = (f"error: {_reason(exc)}", None, 0.0)
    results.put((slot, result))


def _solve_in_parallel(instance: VrpInstance, params: VrpParams, deadline: float) -> list[_Result]:
    keep_back = _POOL_OVERHEAD_S + _POOL_OVERHEAD_SHARE * params.time_limit_s
    worker_deadline = deadline - keep_back
    context: ForkContext | SpawnContext = (
        multiprocessing.get_context("fork")
        if "fork" in multiprocessing.get_all_start_methods()
        else multiprocessing.get_context("spawn")
    )
    # On equal cost the first listed is kept, so a tie is credited to plain PyVRP.
    engines = ("pyvrp", "ortools+pyvrp")
    results: Queue[Any] = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(slot, engine, instance, worker_deadline, params, results),
            daemon=True,
        )
        for slot, engine in enumerate(engines)
    ]
    for worker in workers:
        worker.start()
    found: dict[int, _Result] = {}
    grace = deadline + _WORKER_GRACE_S
    try:
        while len(found) < len(workers) and time.monotonic() < grace:
            try:
                slot, result = results.get(timeout=0.5)
            except queue.Empty:
                # A worker killed from outside (out of memory, say) never answers.
                if not any(worker.is_alive() for worker in workers) and results.empty():
                    break
                continue
            found[slot] = result
    finally:
        for worker in workers:
            worker.join(timeout=max(0.0, grace - time.monotonic()))
            if worker.is_alive():
                worker.terminate()
                worker.join()
    return [
        found.get(slot, ("error: worker did not answer in time", None, 0.0))
        for slot in range(len(workers))
    ]


def _pick(
    instance: VrpInstance, results: list[_Result], wall_s: float, params: VrpParams
) -> VrpSolution:
    runs = []
    best: tuple[int, str, list[list[int]]] | None = None
    for engine, routes, run_wall in results:
        cost = None if routes is None else sum(instance.route_cost(r) for r in routes)
        runs.append(EngineRun(engine, cost, run_wall))
        if routes is not None and cost is not None and (best is None or cost < best[0]):
            best = (cost, engine, routes)
    if best is None:
        return VrpSolution(
            routes=(),
            cost=math.nan,
            cost_units=0,
            vehicles=0,
            engine=params.engine,
            wall_s=wall_s,
            feasible=False,
            message=f"no feasible plan found within {params.time_limit_s:g} s",
            runs=tuple(runs),
        )
    cost, engine, routes = best
    numbered = tuple(tuple(instance.numbers[i] for i in r) for r in routes if r)
    return VrpSolution(
        routes=numbered,
        cost=cost / instance.scale,
        cost_units=cost,
        vehicles=len(numbered),
        engine=engine,
        wall_s=wall_s,
        feasible=True,
        runs=tuple(runs),
    )


# --------------------------------------------------------------------------- checking


def check_vrp_solution(instance: VrpInstance, solution: VrpSolution) -> list[str]:
    """Every violation of the instance's rules, recomputed from the raw data; [] if none."""
    if not solution.feasible:
        return [f"no plan: {solution.message or 'solution marked infeasible'}"]
    violations: list[str] = []
    index = {number: i for i, number in enumerate(instance.numbers)}
    seen: dict[int, int] = {}
    node_routes: list[list[int]] = []
    for r, route in enumerate(solution.routes):
        if not route:
            violations.append(f"route {r} is empty")
        nodes = []
        for number in route:
            node = index.get(number)
            if node is None:
                violations.append(f"route {r}: unknown client {number}")
            elif node == instance.depot:
                violations.append(f"route {r}: visits the depot {number} as a client")
            else:
                seen[node] = seen.get(node, 0) + 1
                nodes.append(node)
        node_routes.append(nodes)
    for node in instance.clients:
        count = seen.get(node, 0)
        if count != 1:
            violations.append(f"client {instance.numbers[node]} visited {count} times")
    if solution.vehicles != len(solution.routes):
        violations.append(f"vehicles {solution.vehicles} != {len(solution.routes)} routes")
    if instance.num_vehicles is not None and len(solution.routes) > instance.num_vehicles:
        violations.append(f"{len(solution.routes)} routes > {instance.num_vehicles} vehicles")
    for r, nodes in enumerate(node_routes):
        load = sum(instance.demands[i] for i in nodes)
        if load > instance.capacity:
            violations.append(f"route {r}: load {load} > capacity {instance.capacity}")
        violations.extend(_time_window_violations(instance, r, nodes))
    units = sum(instance.route_cost(nodes) for nodes in node_routes)
    if units != solution.cost_units or not math.isclose(
        units / instance.scale, solution.cost, rel_tol=0, abs_tol=1e-6
    ):
        violations.append(
            f"reported cost {solution.cost} ({solution.cost_units} units) "
            f"!= recomputed {units / instance.scale:g} ({units} units)"
        )
    return violations


def _time_window_violations(instance: VrpInstance, r: int, nodes: list[int]) -> list[str]:
    windows = instance.time_windows
    if windows is None:
        return []
    d = instance.distances
    scale = instance.scale
    ready, due = windows[instance.depot]
    t = ready + instance.service_times[instance.depot]
    previous = instance.depot
    out = []
    for node in nodes:
        arrival = t + int(d[previous, node])
        if arrival > windows[node][1]:
            out.append(
                f"route {r}: arrives at client {instance.numbers[node]} at "
                f"{arrival / scale:g} after its due time {windows[node][1] / scale:g}"
            )
        t = max(arrival, windows[node][0]) + instance.service_times[node]
        previous = node
    back = t + int(d[previous, instance.depot])
    if back > due:
        out.append(f"route {r}: returns to the depot at {back / scale:g} after {due / scale:g}")
    return out
