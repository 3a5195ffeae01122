"""Standard routing instances for the benchmark: CVRP and VRPTW read from VRPLIB or
Solomon files into a validated `VrpInstance`.

Distances are integers so every solver optimises the same numbers: Solomon distances are
truncated to one decimal and kept as tenths (cost reported / 10), as in the literature;
VRPLIB EUC_2D distances are rounded to the nearest integer. Solomon travel time equals
distance, so windows and service times are kept in tenths too."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from optimizer.errors import InvalidProblemError

VrpKind = Literal["cvrp", "vrptw"]
IntMatrix = npt.NDArray[np.int64]


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
