"""What it would take: for each plan of the sweep below the bound-rule target, the fewest
more vehicles or boats that would let it meet the target, found on the problem the plan was
solved from.

The target (95 % of priority-weighted units on fully met lines within their line's bound
rule) is out of reach on some plans whatever the planner does: the bound ignores vehicles,
and the ceiling (bench/dispatch_ceiling.py, an upper bound) shows the fleet cannot do it.
Whether to add means or restate the target is the owner's decision; this gives the first
option its size. The means tried are one more of a kind already there: a vehicle of a type
a depot holding the lines' stock already runs (a copy of it, same crew and speed), or a boat
like one the site's port already calls on (same berth and speed). Greedily, the one that
lifts the ceiling most is added, while the ceiling is below the target; then the one that
lifts the planner's own share most (`solve_dispatch` with the product's parameters), until
the plan meets the target or nothing helps. A verdict is the planner's plan, not the
ceiling: the ceiling only steers the search.

    python -m bench.dispatch_means [--samples N] [--seed S] [--only F01,SEA] [--most K]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from api.network_service import RoadContext
from api.services import init_database
from api.settings import Settings
from optimizer import Boat, DispatchParams, DispatchProblem, IncidentDemand, Vehicle, solve_dispatch
from optimizer.dispatch_bounds import sources

from .dispatch_ceiling import Line, within_ceiling
from .dispatch_sweep import DATA, WITHIN_TARGET, Inspect, Row, _weights, cases, plan_one

#: the most vehicles and boats added to one plan before the search gives up
MOST_ADDED = 6
#: the planner's parameters, as the API sets them for one incident (api/planning.py)
PLAN = DispatchParams(time_limit_s=Settings().dispatch_time_limit_s)


@dataclass(frozen=True)
class Means:
    """One more vehicle at a depot, or one more boat at the port of a site at sea."""

    label: str
    vehicle: Vehicle | None = None
    boat: Boat | None = None
    incident: str = ""


@dataclass
class Outcome:
    case: str
    share: float | None
    ceiling: float | None
    objective: float | None
    added: list[str] = field(default_factory=list)
    #: (ceiling, the planner's share) after each addition
    steps: list[tuple[float | None, float | None]] = field(default_factory=list)
    planned_objective: float | None = None
    verdict: str = ""


def candidates(problem: DispatchProblem, lines: list[Line]) -> list[Means]:
    """One more of each vehicle type at each depot holding the lines' stock, and one more
    of each boat the sites' ports call on."""
    holders = {
        src.depot
        for inc_id, item in lines
        for src in sources(problem, PLAN, problem.incident(inc_id), item)
    }
    out: list[Means] = []
    seen: set[tuple[str, str]] = set()
    for v in problem.vehicles:
        if v.depot in holders and (v.depot, v.vehicle_type) not in seen:
            seen.add((v.depot, v.vehicle_type))
            out.append(Means(f"+1 {v.vehicle_type} at {v.depot}", vehicle=v))
    for inc in problem.incidents:
        if inc.sea is None:
            continue
        for b in inc.sea.boats:
            if "+" not in b.id:  # a copy is the same kind as its original
                label = f"+1 boat like {b.id.rsplit('/', 1)[-1]} at {inc.sea.port}"
                out.append(Means(label, boat=b, incident=inc.id))
    return out


def with_means(problem: DispatchProblem, means: Means, n: int) -> DispatchProblem:
    """The problem with one more of the means, named apart from every other (`n`)."""
    if means.vehicle is not None:
        extra = replace(means.vehicle, id=f"{means.vehicle.id}+{n}")
        return replace(problem, vehicles=(*problem.vehicles, extra))
    assert means.boat is not None
    boat = replace(means.boat, id=f"{means.boat.id}+{n}")
    incidents: list[IncidentDemand] = []
    for inc in problem.incidents:
        if inc.id == means.incident and inc.sea is not None:
            inc = replace(inc, sea=replace(inc.sea, boats=(*inc.sea.boats, boat)))
        incidents.append(inc)
    return replace(problem, incidents=tuple(incidents))


def _planned(problem: DispatchProblem) -> tuple[float | None, float]:
    plan = solve_dispatch(problem, PLAN)
    return plan.within_bound_share, plan.objective


def search(
    case: str, problem: DispatchProblem, lines: list[Line], row: Row, most: int = MOST_ADDED
) -> Outcome:
    """The greedy search the module's docstring describes."""
    ceiling = within_ceiling(problem, PLAN, lines)
    out = Outcome(case, row.within_share, ceiling, row.objective)
    share = row.within_share
    for n in range(1, most + 1):
        if share is None or share >= WITHIN_TARGET:
            break
        steered = ceiling is not None and ceiling < WITHIN_TARGET
        best: tuple[float, Means, DispatchProblem] | None = None
        for means in candidates(problem, lines):
            trial = with_means(problem, means, n)
            score = within_ceiling(trial, PLAN, lines) if steered else _planned(trial)[0]
            if score is not None and (best is None or score > best[0] + 1e-6):
                best = (score, means, trial)
        now = ceiling if steered else share
        if best is None or now is None or best[0] <= now + 1e-4:
            out.verdict = "no more of the means there lifts it: stock or distance holds it back"
            return out
        problem = best[2]
        out.added.append(best[1].label)
        ceiling = within_ceiling(problem, PLAN, lines)
        share, out.planned_objective = _planned(problem)
        out.steps.append((ceiling, share))
    if share is not None and share >= WITHIN_TARGET:
        out.verdict = "meets the target" if out.added else "meets it as it is"
    elif not out.verdict:
        out.verdict = f"still below after {most} more"
    return out


def taken_together(outcomes: list[Outcome]) -> dict[str, int]:
    """What the plans need between them: of each kind at each depot or port, the most any
    one plan was given (the plans are separate incidents, each planned alone)."""
    most: dict[str, int] = {}
    for o in outcomes:
        counts: dict[str, int] = {}
        for label in o.added:
            kind = label.removeprefix("+1 ")
            counts[kind] = counts.get(kind, 0) + 1
        for kind, n in counts.items():
            most[kind] = max(most.get(kind, 0), n)
    return dict(sorted(most.items(), key=lambda kv: (kv[0].split(" at ")[-1], kv[0])))


def render(outcomes: list[Outcome]) -> None:
    print(f"{'case':30} {'share':>6} {'ceil':>6}  means added -> ceiling / planned share")
    for o in outcomes:
        share = "-" if o.share is None else f"{o.share:.3f}"
        ceil = "-" if o.ceiling is None else f"{o.ceiling:.3f}"
        print(f"{o.case[:30]:30} {share:>6} {ceil:>6}  {o.verdict}")
        for label, (c, s) in zip(o.added, o.steps, strict=True):
            c_txt = "-" if c is None else f"{c:.3f}"
            s_txt = "-" if s is None else f"{s:.3f}"
            print(f"{'':45}  {label:34} -> {c_txt} / {s_txt}")
        if o.added and o.objective and o.planned_objective is not None:
            change = o.planned_objective / o.objective - 1
            print(
                f"{'':45}  objective {o.objective:,.0f} -> {o.planned_objective:,.0f} "
                f"({change:+.1%})"
            )
    together = taken_together(outcomes)
    if together:
        print("\ntaken together (of each kind, the most any one plan was given):")
        for kind, n in together.items():
            print(f"  {n} x {kind}")


def _searcher(name: str, outcomes: list[Outcome], most: int) -> Inspect:
    """The search, for a plan below the target, its outcome kept in `outcomes`."""

    def inspect(problem: DispatchProblem, lines: list[Line], row: Row) -> None:
        if row.within_share is not None and row.within_share < WITHIN_TARGET:
            print(f"searching: {name}", file=sys.stderr, flush=True)
            outcomes.append(search(name, problem, lines, row, most))

    return inspect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=12, help="sampled places (default 12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="as bench.dispatch_sweep's --only")
    parser.add_argument("--most", type=int, default=MOST_ADDED, help="means added at most")
    args = parser.parse_args(argv)
    only = {s for s in args.only.split(",") if s}
    seeded_dir = Path(tempfile.mkdtemp(prefix="chemdepot-means-seed-"))
    outcomes: list[Outcome] = []
    try:
        seeded = seeded_dir / "seeded.sqlite"
        init_database(Settings(database_url=f"sqlite:///{seeded}", data_dir=DATA))
        weights, road = _weights(), RoadContext.load(DATA)
        for case in cases(args.samples, args.seed, only):
            name = f"{case.name} {case.template.split('.')[-1]}"
            plan_one(seeded, case, weights, road, inspect=_searcher(name, outcomes, args.most))
        render(outcomes)
        return 0
    finally:
        shutil.rmtree(seeded_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
