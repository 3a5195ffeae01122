"""The deterministic equivalent of the stock-levels model in MathOpt: every scenario's
shipments in one LP (a MIP with integer levels), solved by HiGHS or SCIP. The reference the
decomposition is checked against, and the faster method on few scenarios. The first-stage
steps (`add_levels`, `add_first_stage_limits`, `add_objective`) also build the
decomposition's master."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

import numpy as np
from ortools.math_opt.python import mathopt

from ._levels_data import FirstStage, LevelsData, MethodOutcome, SecondStage
from .levels_model import LevelsParams

SOLVERS = {"highs": mathopt.SolverType.HIGHS, "scip": mathopt.SolverType.GSCIP}
#: Every cost is >= 0, so a model that is infeasible or unbounded is infeasible.
INFEASIBLE = (
    mathopt.TerminationReason.INFEASIBLE,
    mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
)
CONFLICT = "no levels meet the budget, the depots' capacities and the fixed levels together"


def solve_extensive(
    data: LevelsData,
    params: LevelsParams,
    time_left: Callable[[], float],
    report: Callable[[str, float], None],
) -> MethodOutcome:
    model = mathopt.Model(name="stock_levels")
    x = add_levels(model, data.first, integer=data.first.integer)
    add_first_stage_limits(model, data.first, x)
    shipping = _add_scenarios(model, data.second, x)
    add_objective(model, data.first, x, shipping)
    log = [
        f"extensive form: {model.get_num_variables()} variables, "
        f"{model.get_num_linear_constraints()} rows, solved by {params.solver}"
    ]
    report(log[-1], 0.0)
    result = mathopt.solve(
        model,
        SOLVERS[params.solver],
        params=mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=max(0.1, time_left())),
            relative_gap_tolerance=params.gap,
            random_seed=params.seed,
        ),
    )
    reason = result.termination.reason
    log.append(f"{params.solver}: {reason.name.lower()} {result.termination.detail}".strip())
    if reason in INFEASIBLE:
        return MethodOutcome("infeasible", None, np.inf, 0, CONFLICT, log)
    if not result.has_primal_feasible_solution():
        return MethodOutcome("error", None, -np.inf, 0, f"no levels found ({reason.name})", log)
    values = np.array(result.variable_values(x), dtype=np.float64)
    bound = float(result.termination.objective_bounds.dual_bound)
    proven = reason == mathopt.TerminationReason.OPTIMAL
    return MethodOutcome("optimal" if proven else "feasible", values, bound, 0, "", log)


def add_levels(model: mathopt.Model, first: FirstStage, *, integer: bool) -> list[mathopt.Variable]:
    c = first.cells
    return [
        model.add_variable(lb=lo, ub=hi, is_integer=integer, name=f"x[{d},{i}]")
        for (d, i), lo, hi in zip(c.keys, c.lower.tolist(), c.upper.tolist(), strict=True)
    ]


def add_first_stage_limits(
    model: mathopt.Model, first: FirstStage, x: Sequence[mathopt.Variable]
) -> None:
    """Budget on net new units of each item (moves between depots are free), today's stock
    kept (when asked), depot volume and weight."""
    if first.budget is not None:
        new = [model.add_variable(lb=0.0, name=f"new[{i}]") for i in first.item_ids]
        for k, n in enumerate(new):
            row = model.add_linear_constraint(lb=-float(first.item_current[k]), name=f"new{k}")
            row.set_coefficient(n, 1.0)
            for cell in np.flatnonzero(first.cells.item == k).tolist():
                row.set_coefficient(x[cell], -1.0)
        model.add_linear_constraint(
            mathopt.fast_sum(float(c) * n for c, n in zip(first.unit_cost, new, strict=True))
            <= first.budget,
            name="budget",
        )
    if first.keep_stock:
        for k, held in enumerate(first.item_current.tolist()):
            if held > 0:
                row = model.add_linear_constraint(lb=held, name=f"keep{k}")
                for cell in np.flatnonzero(first.cells.item == k).tolist():
                    row.set_coefficient(x[cell], 1.0)
    for cap in first.capacity:
        row = model.add_linear_constraint(ub=cap.limit, name=cap.name)
        for cell, coef in zip(cap.cells.tolist(), cap.coef.tolist(), strict=True):
            row.set_coefficient(x[cell], coef)


def _add_scenarios(
    model: mathopt.Model, second: SecondStage, x: Sequence[mathopt.Variable]
) -> list[tuple[mathopt.Variable, float]]:
    """Shipments and unmet units with their probability-weighted costs."""
    prob = second.prob[second.group_scen[second.line_group]]
    terms: list[tuple[mathopt.Variable, float]] = []
    demand = []
    for line, qty in enumerate(second.line_qty.tolist()):
        unmet = model.add_variable(lb=0.0)
        terms.append((unmet, float(prob[line] * second.line_penalty[line])))
        row = model.add_linear_constraint(lb=qty, ub=qty)
        row.set_coefficient(unmet, 1.0)
        demand.append(row)
    capacity = []
    for cell, keep in zip(second.pair_cell.tolist(), second.pair_retention.tolist(), strict=True):
        row = model.add_linear_constraint(ub=0.0)
        row.set_coefficient(x[cell], -keep)
        capacity.append(row)
    arc_prob = prob[second.arc_line] * second.arc_cost
    for line, pair, cost in zip(
        second.arc_line.tolist(), second.arc_pair.tolist(), arc_prob.tolist(), strict=True
    ):
        ship = model.add_variable(lb=0.0)
        demand[line].set_coefficient(ship, 1.0)
        capacity[pair].set_coefficient(ship, 1.0)
        terms.append((ship, cost))
    return terms


def add_objective(
    model: mathopt.Model,
    first: FirstStage,
    x: Sequence[mathopt.Variable],
    recourse: list[tuple[mathopt.Variable, float]],
) -> None:
    """Holding, moves above today's level, and the expected second stage (`recourse`: its
    variables and their costs; the decomposition's master passes its estimates)."""
    objective = model.objective
    objective.is_maximize = False
    for var, hold in zip(x, first.cells.holding.tolist(), strict=True):
        if hold:
            objective.set_linear_coefficient(var, hold)
    if first.move_cost > 0:
        for var, now in zip(x, first.cells.current.tolist(), strict=True):
            if var.lower_bound == var.upper_bound:
                objective.offset += first.move_cost * max(0.0, var.lower_bound - now)
                continue
            moved = model.add_variable(lb=0.0)
            model.add_linear_constraint(moved - var >= -now)
            objective.set_linear_coefficient(moved, first.move_cost)
    for var, cost in recourse:
        if cost:
            objective.set_linear_coefficient(var, cost)
