"""Seeded random prepositioning instances in the exchange format, shaped like the stock-levels
issue's measurement: depots and sites scattered on a 100 x 100 plane, ship cost = distance,
each scenario hitting a few neighbouring sites with random demand and damaging the depots
near them, and a budget too small to cover every scenario, so that it binds.

    python -m bench.levels_instances --out DIR [--depots 30] [--sites 30] [--items 3]
                                     [--scenarios 200] [--continuous] [--seeds 0,1,2]

The same arguments always write the same files, byte for byte."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from optimizer.prepositioning import FORMAT

SIDE = 100.0
#: sites a scenario hits: a centre and up to this many more among its nearest neighbours
MAX_EXTRA_SITES = 2
#: a depot this close to a hit site loses part of its stock
LOSS_RADIUS = 15.0
#: the share of every scenario's probability; the rest is "no incident"
INCIDENT_PROBABILITY = 0.9
#: the budget buys this multiple of the mean scenario's demand at unit cost; the largest
#: scenarios need several times the mean, so the budget binds
BUDGET_SHARE = 1.5


class _Item(NamedTuple):
    id: str
    unit_cost: float
    volume: float
    unmet_penalty: float
    holding_cost: float


_ITEMS = (
    _Item("KIT", 1.0, 0.05, 2000.0, 0.02),
    _Item("SCBA", 40.0, 0.2, 5000.0, 0.5),
    _Item("BOOM", 15.0, 1.0, 800.0, 0.1),
    _Item("PUMP", 120.0, 0.6, 3000.0, 1.0),
    _Item("ABSORB", 0.5, 0.1, 300.0, 0.01),
)


def instance_name(
    depots: int, sites: int, items: int, scenarios: int, integer: bool, seed: int
) -> str:
    kind = "int" if integer else "cont"
    return f"levels-d{depots}-s{sites}-i{items}-n{scenarios}-{kind}-seed{seed}"


def generate_instance(
    depots: int = 30,
    sites: int = 30,
    items: int = 3,
    scenarios: int = 200,
    integer: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """A `chemdepot-prepositioning/1` document (parsed JSON) from these sizes and seed."""
    if not (depots >= 1 and sites >= 1 and 1 <= items <= len(_ITEMS) and scenarios >= 1):
        raise ValueError(f"needs >= 1 depot, site and scenario, and 1..{len(_ITEMS)} items")
    rng = np.random.default_rng(seed)
    depot_xy = rng.uniform(0, SIDE, size=(depots, 2))
    site_xy = rng.uniform(0, SIDE, size=(sites, 2))
    depot_ids = [f"D{k + 1:02d}" for k in range(depots)]
    site_ids = [f"S{k + 1:02d}" for k in range(sites)]
    chosen = _ITEMS[:items]
    distance = np.linalg.norm(depot_xy[:, None, :] - site_xy[None, :, :], axis=2)
    drawn = [_scenario(rng, site_xy, depot_xy, len(chosen)) for _ in range(scenarios)]
    probabilities = _probabilities(rng.uniform(0.5, 1.5, size=scenarios))
    scenario_docs = [
        {"id": f"s{k + 1:03d}", "probability": probabilities[k], **doc}
        for k, doc in enumerate(_named(drawn, site_ids, depot_ids, chosen))
    ]
    mean = _mean_demand(chosen, probabilities, scenario_docs)
    volume_needed = sum(item.volume * mean[item.id] for item in chosen)
    return {
        "format": FORMAT,
        "name": instance_name(depots, sites, items, scenarios, integer, seed),
        "items": [item._asdict() for item in chosen],
        "depots": [
            {"id": d, "capacity_volume": round(float(c) * volume_needed, 1)}
            for d, c in zip(depot_ids, rng.uniform(0.2, 0.6, size=depots), strict=True)
        ],
        "budget": round(BUDGET_SHARE * sum(i.unit_cost * mean[i.id] for i in chosen), 2),
        "integer_levels": integer,
        "sites": site_ids,
        "ship_cost": [
            {"depot": d, "site": s, "cost": round(float(distance[i, j]), 2)}
            for i, d in enumerate(depot_ids)
            for j, s in enumerate(site_ids)
        ],
        "scenarios": scenario_docs,
    }


def write_instance(
    path: Path | str,
    depots: int = 30,
    sites: int = 30,
    items: int = 3,
    scenarios: int = 200,
    integer: bool = True,
    seed: int = 0,
) -> Path:
    """Writes `generate_instance(...)` to `path` and returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = generate_instance(depots, sites, items, scenarios, integer, seed)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    return out


def _scenario(
    rng: np.random.Generator,
    site_xy: np.ndarray[Any, Any],
    depot_xy: np.ndarray[Any, Any],
    n_items: int,
) -> tuple[list[tuple[int, int, int]], dict[int, float]]:
    """Demand lines (site, item, quantity) and depot losses by index, for one scenario."""
    centre = int(rng.integers(len(site_xy)))
    near = np.argsort(np.linalg.norm(site_xy - site_xy[centre], axis=1), kind="stable")
    hit = [int(j) for j in near[: 1 + int(rng.integers(MAX_EXTRA_SITES + 1))]]
    severity = rng.lognormal(0.0, 0.6)
    lines = []
    for j in hit:
        for i in range(n_items):
            if rng.random() < 0.7:
                quantity = max(1, round(float(severity * rng.uniform(5, 60)) / (1 + i)))
                lines.append((j, i, quantity))
    loss: dict[int, float] = {}
    for j in hit:
        gap = np.linalg.norm(depot_xy - site_xy[j], axis=1)
        for d in np.flatnonzero(gap < LOSS_RADIUS):
            share = round(float(rng.uniform(0.2, 1.0)), 2)
            loss[int(d)] = max(loss.get(int(d), 0.0), share)
    return lines, loss


def _named(
    drawn: list[tuple[list[tuple[int, int, int]], dict[int, float]]],
    site_ids: list[str],
    depot_ids: list[str],
    items: Sequence[_Item],
) -> list[dict[str, Any]]:
    out = []
    for lines, loss in drawn:
        doc: dict[str, Any] = {
            "demand": [
                {"site": site_ids[j], "item": items[i].id, "quantity": q} for j, i, q in lines
            ]
        }
        if loss:
            doc["depot_loss"] = {depot_ids[d]: share for d, share in sorted(loss.items())}
        out.append(doc)
    return out


def _mean_demand(
    items: Sequence[_Item], probabilities: list[float], scenario_docs: list[dict[str, Any]]
) -> dict[str, float]:
    """Item -> total demand of the mean scenario (weighted by probability)."""
    total = dict.fromkeys((item.id for item in items), 0.0)
    for p, doc in zip(probabilities, scenario_docs, strict=True):
        for line in doc["demand"]:
            total[line["item"]] += p * line["quantity"]
    return {item: q / sum(probabilities) for item, q in total.items()}


def _probabilities(weights: np.ndarray[Any, Any]) -> list[float]:
    """`weights` scaled to sum to INCIDENT_PROBABILITY, rounded down so that the rounded
    values never sum over it."""
    scaled = weights / weights.sum() * INCIDENT_PROBABILITY
    return [math.floor(float(p) * 1e9) / 1e9 for p in scaled]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.levels_instances",
        description="Write seeded random prepositioning instances (chemdepot-prepositioning/1).",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for the JSON files")
    parser.add_argument("--depots", type=int, default=30)
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("--items", type=int, default=3, help=f"1..{len(_ITEMS)}")
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--continuous", action="store_true", help="continuous levels")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, one file each")
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        sizes = (args.depots, args.sites, args.items, args.scenarios, not args.continuous)
        for seed in seeds:
            path = args.out / f"{instance_name(*sizes, seed)}.json"
            write_instance(path, *sizes, seed=seed)
            print(path)
    except ValueError as exc:
        print(f"bench.levels_instances: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
