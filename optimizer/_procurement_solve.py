"""One solve of the procurement model with HiGHS or CBC, read into solver-neutral terms.

PuLP's own status calls a time-limited HiGHS or CBC run with an incumbent "Optimal", so
HiGHS's answer is read from its model status and info, and CBC's from PuLP's solution
status (integer-feasible, not proven, when stopped on time)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pulp

from ._procurement_milp import MilpModel

#: the floor of any solve's time limit (seconds), so a late phase still gets a chance
MIN_SOLVE_S = 0.5


@dataclass(frozen=True)
class PhaseOutcome:
    found: bool
    optimal: bool = False
    infeasible: bool = False
    value: float = math.nan
    bound: float | None = None
    gap: float | None = None
    #: variable name -> value of the incumbent
    values: dict[str, float] = field(default_factory=dict)
    #: wall seconds spent outside the solver's own clock (PuLP handing over the model,
    #: reading it back), which a later phase's time limit must leave room for
    overhead_s: float = 0.0


class _HiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's HiGHS, timing the solver's own run (PuLP's hand-over of the model around it
    is overhead a later phase's limit must leave room for) and, when `warm`, handing it the
    variables' current values as a start: phase 2 begins from phase 1's plan, which meets
    its shortfall row, so it always has an incumbent to improve."""

    def __init__(self, warm: bool, **options: Any) -> None:
        super().__init__(**options)
        self.warm = warm
        self.run_s = 0.0

    def callSolver(self, lp: Any) -> None:
        if self.warm:
            prepared = time.perf_counter()
            start = lp.solverModel.getSolution()  # an empty HighsSolution before the run
            start.col_value = [_start_value(v) for v in lp.variables()]
            start.value_valid = True
            lp.solverModel.setSolution(start)
            if self.timeLimit is not None:
                # handing over the start took 0.7 s on the ten-times catalogue (measured);
                # the phase's time covers it (the earlier phase, which had none, did not)
                spent = time.perf_counter() - prepared
                limit = max(MIN_SOLVE_S, float(self.timeLimit) - spent)
                lp.solverModel.setOptionValue("time_limit", limit)
        started = time.perf_counter()
        super().callSolver(lp)
        self.run_s = time.perf_counter() - started


def _start_value(var: pulp.LpVariable) -> float:
    value = var.varValue if var.varValue is not None else 0.0
    return float(round(value)) if var.cat == pulp.LpInteger else float(value)


def _solver(name: str, time_s: float, gap: float, mip: bool, warm: bool) -> Any:
    limit = max(time_s, MIN_SOLVE_S)
    if name == "cbc":
        return pulp.PULP_CBC_CMD(
            msg=False, timeLimit=limit, gapRel=gap, mip=mip, warmStart=warm and mip
        )
    return _HiGHS(warm and mip, msg=False, timeLimit=limit, gapRel=gap, mip=mip)


def run_phase(model: MilpModel, solver: str, time_s: float, gap: float, warm: bool) -> PhaseOutcome:
    """Solves the model's current objective as a MIP."""
    prob = model.prob
    started = time.perf_counter()
    engine = _solver(solver, time_s, gap, mip=True, warm=warm)
    prob.solve(engine)
    wall = time.perf_counter() - started
    if solver == "cbc":
        # CBC runs in a subprocess without a clock of its own to read: count only the
        # time beyond its limit
        outcome = _cbc_outcome(prob)
        return replace(outcome, overhead_s=max(0.0, wall - max(time_s, MIN_SOLVE_S)))
    outcome = _highs_outcome(prob)
    return replace(outcome, overhead_s=max(0.0, wall - engine.run_s))


def _values(prob: pulp.LpProblem) -> dict[str, float]:
    return {v.name: float(v.varValue or 0.0) for v in prob.variables()}


def _cbc_outcome(prob: pulp.LpProblem) -> PhaseOutcome:
    status = prob.sol_status
    if status == pulp.LpSolutionInfeasible:
        return PhaseOutcome(found=False, infeasible=True)
    if status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return PhaseOutcome(found=False)
    value = float(pulp.value(prob.objective) or 0.0)
    if status == pulp.LpSolutionOptimal:
        return PhaseOutcome(True, True, value=value, bound=value, gap=0.0, values=_values(prob))
    return PhaseOutcome(True, False, value=value, values=_values(prob))


def _highs_outcome(prob: pulp.LpProblem) -> PhaseOutcome:
    h = prob.solverModel
    status = _status(prob)
    info = h.getInfo()
    if status == "Infeasible":
        return PhaseOutcome(found=False, infeasible=True)
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return PhaseOutcome(found=False)
    value = float(h.getObjectiveValue())
    optimal = status == "Optimal"
    bound: float | None = float(info.mip_dual_bound)
    gap: float | None = float(info.mip_gap)
    if bound is None or not math.isfinite(bound):
        # an LP (no integer column) or a bound HiGHS did not set
        bound = value if optimal else None
    if gap is None or not math.isfinite(gap) or gap < 0:
        gap = relative_gap(value, bound)
    return PhaseOutcome(True, optimal, value=value, bound=bound, gap=gap, values=_values(prob))


def _status(prob: pulp.LpProblem) -> str:
    """HiGHS's model status in words ("Optimal", "Infeasible", "Time limit reached", ...),
    read through PuLP's handle so this module needs no import of highspy."""
    h = prob.solverModel
    return str(h.modelStatusToString(h.getModelStatus()))


def relative_gap(value: float, bound: float | None) -> float | None:
    """|value - bound| / |value|, 0 when both are (near) zero."""
    if bound is None:
        return None
    diff = abs(value - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(value), 1e-9)


def relaxation_duals(model: MilpModel, time_s: float) -> dict[str, float]:
    """The LP relaxation of the model's current objective, by HiGHS whatever the MIP's
    solver (duals are a diagnosis, and HiGHS's simplex gives them without a subprocess):
    the priced rows' duals (d objective / d right-hand side) by name; empty unless the LP
    was solved to optimality."""
    prob = model.prob
    prob.solve(_solver("highs", time_s, 0.0, mip=False, warm=False))
    if _status(prob) != "Optimal":
        return {}
    rows = {name: prob.get_constraint_by_name(name) for name in model.priced_rows}
    return {name: float(c.pi or 0.0) for name, c in rows.items() if c is not None}
