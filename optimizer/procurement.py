"""Procurement and production to the horizon (issue 13): which units to buy or make, from
which source, for which depot, in which year, and which storage upgrades to start, so
that depots reach their targets as early and as fully as the budgets allow, and then as
cheaply as possible.

Two phases on one PuLP model: phase 1 minimises the weighted shortfall (each target
row's shortfall as a share of the target, times the item's priority, summed over the
years, so an early fill counts more); phase 2 minimises the cost while keeping phase 1's
shortfall, by default cell by cell (`ProcurementParams.keep`): the weights rank plans by
readiness, they are not a rate at which a depot's readiness may be sold for money. The LP
relaxation of phase 1 (always by HiGHS) says, through its duals, which limits hold
readiness back. Semantics of years, expiry, lead times and upgrades are those of
`optimizer.procurement_model`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pulp

from ._procurement_binding import bindings
from ._procurement_milp import MONEY_SCALE, MilpModel, build_model
from ._procurement_solve import PhaseOutcome, relaxation_duals, run_phase
from ._procurement_tables import read_plan
from .procurement_model import Keep, ProcurementParams, ProcurementProblem, ProcurementResult

Progress = Callable[[float, str], None]
#: phase 1's share of the time left after the model is built and relaxed
PHASE1_SHARE = 0.6
#: the LP relaxation's cap, as a share of the whole time limit
RELAXATION_SHARE = 0.2
#: kept back from phase 2 for what follows its clock: HiGHS stopping (it checks its clock
#: between nodes) and the plan read back. Measured on the ten-times catalogue (120 s): 1.0 s
#: past HiGHS's limit, then 0.96 s reading the plan, so the call took 122 s without it
FINISH_SHARE = 0.02
#: under keep="total", phase 2 may not worsen phase 1's weighted shortfall by more than
#: this (relative, absolute)
KEEP_REL, KEEP_ABS = 1e-6, 1e-6
KEPT = {"cells": "every target cell kept", "total": "the weighted total kept"}


def solve_procurement(
    problem: ProcurementProblem,
    params: ProcurementParams | None = None,
    progress: Progress | None = None,
) -> ProcurementResult:
    """The best plan found within `params.time_limit_s`: status "optimal" when both phases
    were proved within `params.gap`. Never raises for a problem without a plan."""
    params = params or ProcurementParams()
    started = time.perf_counter()

    def say(fraction: float, line: str) -> None:
        if progress is not None:
            progress(fraction, line)

    def left() -> float:
        return params.time_limit_s - (time.perf_counter() - started)

    model = build_model(problem)
    size = model.size
    say(0.1, f"built: {size[0]:,} rows, {size[1]:,} columns ({size[2]:,} integer)")
    duals = relaxation_duals(model, min(left(), RELAXATION_SHARE * params.time_limit_s))
    first = run_phase(model, params.solver, PHASE1_SHARE * left(), params.gap, warm=False)
    say(0.6, f"phase 1 (shortfall): {_describe(first)}")
    if not first.found:
        return _unsolved(size, params, first, time.perf_counter() - started)
    _keep(model, first, params.keep)
    model.prob.setObjective(model.cost_expr)
    finish = FINISH_SHARE * params.time_limit_s
    second = run_phase(
        model, params.solver, left() - first.overhead_s - finish, params.gap, warm=True
    )
    say(0.95, f"phase 2 (cost, {KEPT[params.keep]}): {_describe(second, MONEY_SCALE)}")
    result = _result(model, size, params, (first, second), duals, 0.0)
    return replace(result, wall_s=time.perf_counter() - started)


def _keep(model: MilpModel, first: PhaseOutcome, keep: Keep) -> None:
    """Phase 2's hold on phase 1's readiness. "cells" caps each integer shortfall at phase
    1's value (the others are fixed by their bounds): measured on the seeded data, this
    phase 2 is proved within 1e-5 in about 15 s, while under the single "total" row the
    LP trades fractions of units between cells at the weights' rates, a bound no integer
    plan can reach, and 900 s leave a 0.07 % gap."""
    cap = max(first.value, 0.0) * (1 + KEEP_REL) + KEEP_ABS
    # kept under "cells" too, where it is implied: it keeps every shortfall column in the
    # model, which PuLP's CBC interface needs to read phase 1's start back
    model.prob.addConstraint(model.shortfall_expr <= cap, "keep_phase1")
    if keep == "cells":
        for _row, var in model.shortfalls:
            if var.cat == pulp.LpInteger:
                var.upBound = round(first.values[var.name])


def _describe(phase: PhaseOutcome, scale: float = 1.0) -> str:
    if not phase.found:
        return "infeasible" if phase.infeasible else "nothing found in time"
    state = "optimal" if phase.optimal else "stopped on time"
    bound = "none" if phase.bound is None else f"{phase.bound * scale:.6g}"
    return f"{state}, {phase.value * scale:.6g} (bound {bound})"


def _unsolved(
    size: tuple[int, int, int], params: ProcurementParams, first: PhaseOutcome, wall_s: float
) -> ProcurementResult:
    rows, cols, ints = size
    return ProcurementResult(
        status="infeasible" if first.infeasible else "no_solution",
        solver=params.solver,
        shortfall=float("nan"),
        shortfall_bound=first.bound,
        cost_vnd=0,
        cost_bound=None,
        gap=None,
        wall_s=wall_s,
        message=f"phase 1 (shortfall): {_describe(first)}",
        rows=rows,
        columns=cols,
        integer_columns=ints,
    )


def _result(
    model: MilpModel,
    size: tuple[int, int, int],
    params: ProcurementParams,
    phases: tuple[PhaseOutcome, PhaseOutcome],
    duals: dict[str, float],
    wall_s: float,
) -> ProcurementResult:
    """Phase 2's plan, or phase 1's where phase 2 found none (it then met no cost bound)."""
    first, second = phases
    plan = read_plan(model, second.values if second.found else first.values)
    gaps = (first.gap, second.gap if second.found else None)
    rows, cols, ints = size
    return ProcurementResult(
        status="optimal" if first.optimal and second.optimal else "feasible",
        solver=params.solver,
        shortfall=plan.weighted_shortfall,
        shortfall_bound=first.bound,
        cost_vnd=plan.cost_vnd,
        cost_bound=None if second.bound is None else second.bound * MONEY_SCALE,
        gap=None if None in gaps else max(g for g in gaps if g is not None),
        wall_s=wall_s,
        orders=plan.orders,
        upgrades=plan.upgrades,
        stock=plan.stock,
        years=plan.years,
        binding=bindings(model, duals, plan),
        message=(
            f"phase 1 (shortfall): {_describe(first)}; "
            f"phase 2 (cost, VND, {KEPT[params.keep]}): {_describe(second, MONEY_SCALE)}"
        ),
        rows=rows,
        columns=cols,
        integer_columns=ints,
    )
