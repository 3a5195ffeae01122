"""PyVRP adapter for the standard CVRP / VRPTW (private: the optimiser's public types do
not depend on PyVRP, and its API has changed between releases).

PyVRP wants depots before clients; the adapter puts the depot first and maps back, so
callers speak the instance's node indices only."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyvrp
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

_UNBOUNDED = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PyVrpProblem:
    """Plain integer data, index 0..n-1 over all nodes (the depot among them)."""

    distances: npt.NDArray[np.int64]
    demands: Sequence[int]
    capacity: int
    depot: int
    num_vehicles: int
    time_windows: Sequence[tuple[int, int]] | None
    service: Sequence[int]


class _Deadline:
    """Stops at a `time.monotonic()` moment. PyVRP's own `MaxRuntime` starts its clock at
    the first iteration, after the set-up, so a budget would overrun by the set-up time."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self.deadline


def solve_pyvrp(
    problem: PyVrpProblem,
    deadline: float,
    seed: int,
    max_iterations: int | None = None,
) -> list[list[int]] | None:
    """Routes as node lists (depot left out), or None if PyVRP ends infeasible; the
    search stops at `deadline`, a `time.monotonic()` value.

    `max_iterations` also stops the search, which makes a run reproducible: with a time
    limit alone the number of iterations, and so the result, depends on the machine."""
    order = [problem.depot] + [i for i in range(len(problem.distances)) if i != problem.depot]
    data = _problem_data(problem, order)
    stop: StoppingCriterion = _Deadline(deadline)
    if max_iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False)
    best = result.best
    if not best.is_feasible():
        return None
    return [
        [order[int(visit.idx) + 1] for visit in route if visit.is_client()]
        for route in best.routes()
    ]


def _problem_data(problem: PyVrpProblem, order: list[int]) -> pyvrp.ProblemData:
    windows = problem.time_windows
    locations = [pyvrp.Location(0, 0) for _ in order]
    early, late = (0, _UNBOUNDED) if windows is None else windows[problem.depot]
    depot = pyvrp.Depot(0, tw_early=int(early), tw_late=int(late))
    clients = []
    for pos, node in enumerate(order[1:], start=1):
        tw = (0, _UNBOUNDED) if windows is None else windows[node]
        clients.append(
            pyvrp.Client(
                pos,
                delivery=[int(problem.demands[node])],
                service_duration=int(problem.service[node]),
                tw_early=int(tw[0]),
                tw_late=int(tw[1]),
            )
        )
    vehicle_type = pyvrp.VehicleType(
        num_available=problem.num_vehicles,
        capacity=[int(problem.capacity)],
        tw_early=int(early),
        tw_late=int(late),
    )
    # Any: PyVRP's stubs spell the matrix type as `ndarray[int]`, which numpy's do not match.
    matrix: Any = np.asarray(problem.distances, dtype=np.int64)[np.ix_(order, order)]
    durations: Any = matrix if windows is not None else np.zeros_like(matrix)
    return pyvrp.ProblemData(
        locations,
        clients,
        [depot],
        [vehicle_type],
        distance_matrices=[matrix],
        duration_matrices=[durations],
    )
