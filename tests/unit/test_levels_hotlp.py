"""The master kept warm in HiGHS between iterations (`_levels_hotlp`) must be the same LP as
the MathOpt master with the same cuts: after every round of cuts both give the same optimum,
and the relaxation converges to the same bound as with SCIP, which solves the MathOpt
model itself."""

from __future__ import annotations

import math

import pytest
from ortools.math_opt.python import mathopt

from optimizer._levels_data import compile_problem
from optimizer._levels_decomposition import Decomposition, Master, MasterSolution, NoSolution
from optimizer._levels_recourse import Recourse
from optimizer.levels_model import LevelsParams
from tests.unit.test_levels_oracle import random_problem


def _run(seed: int, solver: str = "highs") -> Decomposition:
    problem = random_problem(seed, depots=4, items=2, scenarios=8, integer=True)
    data = compile_problem(problem)
    return Decomposition(
        data,
        LevelsParams(time_limit_s=30, solver=solver),
        Recourse(data.second, len(data.first.cells.keys)),
        lambda: 30.0,
        lambda line, fraction: None,
    )


def _cold_optimum(run: Decomposition) -> float:
    """The master rebuilt in MathOpt from the run's cuts, solved from scratch."""
    cold = Master(run.data.first, run.blocks.n, LevelsParams(solver="scip"))
    for block, alpha, cells, coefs in run.master.rows:
        row = cold.model.add_linear_constraint(lb=alpha)
        row.set_coefficient(cold.theta[block], 1.0)
        for cell, coef in zip(cells.tolist(), coefs.tolist(), strict=True):
            row.set_coefficient(cold.x[cell], coef)
    result = mathopt.solve(cold.model, mathopt.SolverType.HIGHS)
    assert result.termination.reason == mathopt.TerminationReason.OPTIMAL
    return float(result.objective_value())


@pytest.mark.parametrize("seed", range(6))
def test_the_warm_master_has_the_cold_masters_optimum_after_every_round_of_cuts(
    seed: int,
) -> None:
    run = _run(seed)
    rounds = 0
    for _ in range(12):
        found = run.master.solve(30.0, 0.0)
        assert isinstance(found, MasterSolution)
        assert run.master.hot is not None
        assert math.isclose(found.bound, _cold_optimum(run), rel_tol=1e-7, abs_tol=1e-6)
        _, sol = run.evaluate(found.x)
        if run.add_cuts_at(found.x, sol, found.theta) == 0:
            break
        rounds += 1
    assert rounds >= 2  # cuts were added and re-solved from the last basis


@pytest.mark.parametrize("seed", range(4))
def test_the_relaxation_reaches_the_same_bound_with_the_warm_master_and_with_scip(
    seed: int,
) -> None:
    warm, cold = _run(seed), _run(seed, solver="scip")

    warm.loop(1e-7, "lp")
    cold.loop(1e-7, "lp")

    assert cold.master.hot is None
    assert math.isclose(warm.lower, cold.lower, rel_tol=1e-5, abs_tol=1e-5)
    assert math.isclose(warm.relaxed, cold.relaxed, rel_tol=1e-5, abs_tol=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_the_warm_integer_master_finds_whole_levels_and_proves_a_cutoff_below_them(
    seed: int,
) -> None:
    run = _run(seed)
    run.loop(1e-7, "lp")
    run.master.make_integer()

    run.master.set_cutoff(math.inf)
    found = run.master.solve(30.0, 0.0)
    assert isinstance(found, MasterSolution)
    assert (found.x == found.x.round()).all()
    assert found.bound >= run.lower - 1e-6 * max(1.0, abs(run.lower))

    run.master.set_cutoff(found.bound - 1e-3 * max(1.0, abs(found.bound)))
    below = run.master.solve(30.0, 0.0)
    assert isinstance(below, NoSolution) and below.reason == "cutoff"
