"""The stock-levels run as a job: read the books, solve with no transaction open, write the
run's levels, readiness before and after, and rebalancing transfers in one transaction.
Runs in a worker process (`api.jobs`), so it loads the road network itself."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inventory.errors import InsufficientStockError
from inventory.ledger import Ledger, utcnow
from inventory.levels_records import LevelRow, RunOutcome, TransferRow
from inventory.scenarios import ScenarioSet
from optimizer.levels_model import LevelsParams, LevelsProblem, LevelsResult
from optimizer.rebalance import RebalanceProblem, solve_rebalance
from optimizer.stock_levels import evaluate_levels, solve_stock_levels

from .executors import make_executor
from .jobs import JobContext
from .levels_problem import LevelsInputs, build_levels_problem
from .levels_readiness import readiness_rows
from .levels_service import (
    LevelsCommand,
    current_levels,
    policy_band,
    read_inputs,
    sample,
    scenario_params_of,
)
from .network_service import RoadContext
from .services import today
from .settings import Settings

log = logging.getLogger(__name__)

#: Pieces an evaluation is cut into when it fans out (in the job: 1).
FAN_OUT_CHUNKS = 8


class RunFailedError(RuntimeError):
    """The solver returned no levels (infeasible or an error): the run records why."""


def optimise_levels(ctx: JobContext, *, run_id: int, data_dir: str) -> str:
    """Job function: the run's result reference ("stock-levels-run:<id>")."""
    uow = ctx.db.uow()
    try:
        with uow.reading():
            run = uow.levels.run(run_id)
            cmd = LevelsCommand.from_payload(json.loads(run.params))
            scenario_row = uow.levels.scenario_set(run.scenario_set_id)
            params, fingerprint = scenario_params_of(scenario_row), scenario_row.fingerprint
            inputs, _version = read_inputs(uow, cmd.fixed, today())
        scenarios = sample(Path(data_dir), params)
        if scenarios.fingerprint != fingerprint:
            raise RunFailedError("data/ changed since the scenario set was sampled: ask again")
        ctx.progress(0.02, f"{len(scenarios.scenarios)} scenarios sampled (seed {params.seed})")
        outcome = _solve(ctx, cmd, inputs, scenarios, Path(data_dir))
    except Exception as exc:
        with uow:
            uow.levels.fail(uow.levels.run(run_id, for_update=True), str(exc), utcnow())
            uow.commit()
        raise
    with uow:
        run = uow.levels.run(run_id, for_update=True)
        transfers = by_lot(uow.ledger(run.created_by), outcome.transfers)
        uow.levels.finish(run, dataclasses.replace(outcome, transfers=transfers), utcnow())
        uow.commit()
    return f"stock-levels-run:{run_id}"


def by_lot(ledger: Ledger, transfers: Sequence[TransferRow]) -> list[TransferRow]:
    """Each move cut into the sender's lots, first expiry first out, as the books stand when
    the run is written, so a depot manager posts each line as one transfer. What the sender
    no longer holds stays one line without a lot (the manager picks or skips it)."""
    wanted: dict[tuple[str, str], int] = defaultdict(int)
    for t in transfers:
        if t.from_depot is not None:
            wanted[(t.from_depot, t.item)] += t.quantity
    lots: dict[tuple[str, str], list[list[Any]]] = {}
    for (depot, item), quantity in wanted.items():
        try:
            picks = ledger.pick_fefo(depot, item, quantity)
        except InsufficientStockError:
            picks = []
        lots[(depot, item)] = [[p.lot_no, p.quantity] for p in picks]
    out: list[TransferRow] = []
    for t in transfers:
        if t.from_depot is None:
            out.append(t)
            continue
        left = t.quantity
        for lot in lots[(t.from_depot, t.item)]:
            take = min(left, lot[1])
            if take > 0:
                out.append(dataclasses.replace(t, quantity=take, lot_no=lot[0]))
                lot[1] -= take
                left -= take
        if left > 0:
            out.append(dataclasses.replace(t, quantity=left))
    return out


def _solve(
    ctx: JobContext,
    cmd: LevelsCommand,
    inputs: LevelsInputs,
    scenarios: ScenarioSet,
    data_dir: Path,
) -> RunOutcome:
    settings = Settings(data_dir=data_dir)
    road = RoadContext.load(data_dir)
    problem = build_levels_problem(
        inputs,
        scenarios.scenarios,
        road.router,
        national_level=settings.national_level,
        budget=None if cmd.budget_vnd is None else float(cmd.budget_vnd),
        move_cost=cmd.move_cost,
        shore=road.shore(),
    )
    with make_executor(
        scheduler=settings.dask_scheduler, workers=settings.levels_workers
    ) as executor:
        fan_out = None if executor.kind == "serial" else executor.map
        before = readiness_rows(
            evaluate_levels(
                problem, current_levels(problem), map_fn=fan_out, chunks=FAN_OUT_CHUNKS
            ),
            "before",
        )
        ctx.progress(
            0.05, f"today's stock: {before[0].served_share:.1%} of scenarios served in time"
        )
        result = solve_stock_levels(
            problem,
            _params(cmd),
            map_fn=fan_out,
            progress=lambda f, line: ctx.progress(0.05 + 0.85 * f, line),
        )
    if not result.levels or result.status in ("infeasible", "error"):
        raise RunFailedError(f"the model found no levels ({result.status}): {result.message}")
    levels = {(lv.depot, lv.item): lv.quantity for lv in result.levels}
    after = readiness_rows(evaluate_levels(problem, levels), "after")
    ctx.progress(0.95, f"the run's levels: {after[0].served_share:.1%} served in time")
    return RunOutcome(
        solve_status=result.status,
        method=result.method,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        wall_s=result.wall_s,
        spent=round(result.spent),
        moved_units=round(result.moved),
        levels=_level_rows(problem, result),
        readiness=before + after,
        transfers=_transfers(problem, result, road, inputs),
    )


def _params(cmd: LevelsCommand) -> LevelsParams:
    return LevelsParams(
        time_limit_s=cmd.time_limit_s,
        gap=cmd.gap,
        method=cmd.method,  # type: ignore[arg-type]  # checked by the request schema
        solver=cmd.solver,  # type: ignore[arg-type]
        seed=cmd.seed,
    )


def _level_rows(problem: LevelsProblem, result: LevelsResult) -> list[LevelRow]:
    current = current_levels(problem)
    rows = []
    for lv in result.levels:
        low, target, high = policy_band(round(lv.quantity))
        held = round(current.get((lv.depot, lv.item), 0.0))
        rows.append(LevelRow(lv.depot, lv.item, held, low, target, high))
    return rows


def _transfers(
    problem: LevelsProblem, result: LevelsResult, road: RoadContext, inputs: LevelsInputs
) -> list[TransferRow]:
    nodes = {d.code: d.node_id for d in inputs.depots if d.node_id}
    codes = sorted(nodes)
    matrix = road.router.matrix(
        [nodes[c] for c in codes], [nodes[c] for c in codes], inputs.overlay
    )
    seconds = {
        (a, b): secs
        for i, a in enumerate(codes)
        for j, b in enumerate(codes)
        if (secs := matrix.seconds[i][j]) is not None
    }
    current = {(d.id, i): round(q) for d in problem.depots for i, q in d.current.items()}
    target = {(lv.depot, lv.item): round(lv.quantity) for lv in result.levels}
    moves = solve_rebalance(RebalanceProblem(current, target, seconds))
    return [
        TransferRow(t.from_depot, t.to_depot, t.item, t.quantity, t.road_seconds) for t in moves
    ]
