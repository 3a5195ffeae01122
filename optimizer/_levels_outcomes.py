"""What the second stage's shipments mean to a planner: per scenario, the units left
unmet, the units that arrive after their line's due time, whether everything arrived in
time, and when the last unit landed; then the probability-weighted readiness."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ._levels_data import UNIT_TOL, SecondStage, sum_by
from ._levels_recourse import RecourseSolution
from .levels_model import Readiness, ScenarioOutcome


def readiness(second: SecondStage, sol: RecourseSolution) -> Readiness:
    """`sol` must carry shipments (a recourse solved with `detail=True`)."""
    n = len(second.prob)
    line_scen = second.group_scen[second.line_group]
    arc_scen = line_scen[second.arc_line]
    cost = sum_by(second.group_scen, sol.group_value, n)
    unmet = sum_by(line_scen, sol.line_unmet, n)
    late = sum_by(arc_scen, np.where(second.arc_late, sol.arc_ship, 0.0), n)
    used = sol.arc_ship > UNIT_TOL
    time_to_full = np.zeros(n)
    np.maximum.at(time_to_full, arc_scen[used], second.arc_time[used])
    time_to_full[unmet > UNIT_TOL] = math.inf
    outcomes = tuple(
        ScenarioOutcome(
            id=second.scenario_ids[s],
            probability=float(second.prob[s]),
            demand=float(second.demand[s]),
            unmet=float(unmet[s]),
            late=float(late[s]),
            served_in_time=bool(unmet[s] <= UNIT_TOL and late[s] <= UNIT_TOL),
            time_to_full=float(time_to_full[s]),
            cost=float(cost[s]),
            tags=second.tags[s],
        )
        for s in range(n)
    )
    return summarise(outcomes)


def summarise(outcomes: tuple[ScenarioOutcome, ...]) -> Readiness:
    weight = sum(o.probability for o in outcomes)
    served = sum(o.probability for o in outcomes if o.served_in_time)
    full = [o for o in outcomes if math.isfinite(o.time_to_full)]
    full_weight = sum(o.probability for o in full)
    return Readiness(
        scenarios=len(outcomes),
        expected_unmet=sum(o.probability * o.unmet for o in outcomes),
        expected_demand=sum(o.probability * o.demand for o in outcomes),
        served_share=served / weight if weight > 0 else 0.0,
        by_tag=_by_tag(outcomes),
        expected_time_to_full=(
            sum(o.probability * o.time_to_full for o in full) / full_weight
            if full_weight > 0
            else math.inf
        ),
        outcomes=outcomes,
    )


def _by_tag(outcomes: tuple[ScenarioOutcome, ...]) -> dict[str, dict[str, float]]:
    """Tag name -> value -> share served in time among the scenarios with that value."""
    weight: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    served: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for o in outcomes:
        for tag, value in o.tags.items():
            weight[tag][value] += o.probability
            if o.served_in_time:
                served[tag][value] += o.probability
    return {
        tag: {value: served[tag][value] / w for value, w in sorted(values.items())}
        for tag, values in sorted(weight.items())
    }
