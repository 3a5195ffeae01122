"""Both searches at once, one per core, for the problems PyVRP can express.

A child process runs PyVRP with the run's seed. This process runs the OR-Tools model for
the first 5 % of the budget (its plan is the fallback, and the better plan on some small
instances), then PyVRP with the next seed from its own random start. `routing.py` keeps
the cheapest of the three plans that passes `check_routing`. The design was chosen on
measurements (bench/README.md): warm-starting PyVRP from the OR-Tools plan was no better
than PyVRP alone, two independent seeds were. Dispatch problems never come here: they
need soft due times and paired pickups, which only the OR-Tools model expresses."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection
from typing import Any

from ._routing_ortools import Plan, solve_ortools
from .routing_model import RoutingParams, RoutingProblem

#: share of the budget the OR-Tools model searches before this process turns to PyVRP
ORTOOLS_SHARE = 0.05
#: kept back from the searches for the child's answer and shutdown (measured: 0.01 s)
KEEP_BACK_S = 0.05
KEEP_BACK_SHARE = 0.005
#: how long past the deadline the child may take to answer before it is ended
GRACE_S = 2.0

#: (which search, its plan or None)
Candidate = tuple[str, Plan | None]


def unexpressible(problem: RoutingProblem) -> str:
    """Why PyVRP cannot be given this problem as it stands; "" if it can."""
    if any(req.pickup is not None for req in problem.requests):
        return "paired pickups and deliveries"
    if any(req.late_cost for req in problem.requests):
        return "soft due times"
    if any(req.vehicles is not None for req in problem.requests):
        return "per-request vehicles"
    if problem.merge_stops or problem.span_cost:
        return "merged stops or a cost on time out"
    if any(v.crew is not None or v.speed_factor != 1.0 for v in problem.vehicles):
        return "driving rules or vehicle speeds"
    if any(None in row for row in problem.distances) or any(
        None in row for row in problem.durations
    ):
        return "pairs that cannot be driven"
    return ""


def candidates(problem: RoutingProblem, params: RoutingParams, started: float) -> list[Candidate]:
    """The plans of both processes, the child's first (a tie goes to plain PyVRP)."""
    end = started + params.time_limit_s - KEEP_BACK_S - KEEP_BACK_SHARE * params.time_limit_s
    # Any: typeshed's BaseContext lacks the Process of the concrete contexts.
    context: Any = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    receiver, sender = context.Pipe(duplex=False)
    child: Any = None
    try:
        child = context.Process(
            target=_child, args=(problem, end, params.seed, params.solution_limit, sender)
        )
        child.daemon = True
        child.start()
    except (AssertionError, OSError):  # a daemonic caller may not have children
        child = None
    finally:
        sender.close()
    try:
        fallback = solve_ortools(problem, params, started + ORTOOLS_SHARE * (end - started))
        own = _pyvrp(problem, end, params.seed + 1, params.solution_limit)
        other = _receive(receiver, end + GRACE_S) if child is not None else None
    finally:
        if child is not None:
            child.join(timeout=0.5)
            if child.is_alive():
                child.terminate()
                child.join()
        receiver.close()
    return [("pyvrp", other), ("ortools", fallback), ("pyvrp", own)]


def _pyvrp(problem: RoutingProblem, deadline: float, seed: int, limit: int | None) -> Plan | None:
    from ._routing_pyvrp import solve_pyvrp  # PyVRP is loaded only when it runs

    return solve_pyvrp(problem, deadline, seed, limit)


def _child(
    problem: RoutingProblem, deadline: float, seed: int, limit: int | None, sender: Connection
) -> None:
    """The second core's search; a crash answers None rather than hide the other plans."""
    try:
        plan = _pyvrp(problem, deadline, seed, limit)
    except Exception:
        plan = None
    sender.send(plan)
    sender.close()


def _receive(receiver: Connection, until: float) -> Plan | None:
    """The child's plan, or None if it died or did not answer by `until`."""
    try:
        if receiver.poll(max(0.0, until - time.monotonic())):
            plan: Plan | None = receiver.recv()
            return plan
    except (EOFError, OSError):  # the child died without answering
        pass
    return None
