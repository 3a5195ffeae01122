"""The cheapest transfers that move today's stock towards target levels.

Per item a transportation problem: depots holding more than their target send the surplus
to depots short of theirs, along the fastest roads; what no surplus can cover is bought.
Solved as an integer min-cost flow (networkx network simplex), so quantities are whole
units and the total road time of the moves is minimal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from .errors import InvalidProblemError

#: A purchase is priced above any road move so that stock is moved before it is bought.
_BUY = "__buy__"


@dataclass(frozen=True)
class RebalanceProblem:
    #: (depot, item) -> units held today
    current: Mapping[tuple[str, str], int]
    #: (depot, item) -> the level to reach
    target: Mapping[tuple[str, str], int]
    #: (from depot, to depot) -> road seconds; absent: no road between them
    road_seconds: Mapping[tuple[str, str], int]

    def __post_init__(self) -> None:
        for name in ("current", "target"):
            for key, qty in getattr(self, name).items():
                if qty < 0:
                    raise InvalidProblemError(f"{name}[{key}] must be >= 0")
        for key, secs in self.road_seconds.items():
            if secs < 0:
                raise InvalidProblemError(f"road_seconds[{key}] must be >= 0")


@dataclass(frozen=True)
class Transfer:
    """`from_depot` None: bought (no surplus anywhere could reach the depot)."""

    from_depot: str | None
    to_depot: str
    item: str
    quantity: int
    road_seconds: int | None


def solve_rebalance(problem: RebalanceProblem) -> tuple[Transfer, ...]:
    """Transfers item by item, the longest drives first within an item (they should leave
    first), then purchases; surplus no depot needs stays where it is."""
    items = sorted({i for _, i in problem.current} | {i for _, i in problem.target})
    out: list[Transfer] = []
    for item in items:
        out.extend(_item_transfers(problem, item))
    return tuple(out)


def _item_transfers(problem: RebalanceProblem, item: str) -> list[Transfer]:
    depots = sorted({d for d, i in (*problem.current, *problem.target) if i == item})
    surplus: dict[str, int] = {}
    short: dict[str, int] = {}
    for d in depots:
        diff = problem.current.get((d, item), 0) - problem.target.get((d, item), 0)
        if diff > 0:
            surplus[d] = diff
        elif diff < 0:
            short[d] = -diff
    if not short:
        return []
    flows = _min_cost_flow(problem, surplus, short)
    moves = [
        Transfer(a, b, item, qty, problem.road_seconds.get((a, b)))
        for (a, b), qty in flows.items()
        if a != _BUY and qty > 0
    ]
    moves.sort(key=lambda t: (-(t.road_seconds or 0), t.from_depot or "", t.to_depot))
    buys = [
        Transfer(None, b, item, qty, None)
        for (a, b), qty in sorted(flows.items())
        if a == _BUY and qty > 0
    ]
    return moves + buys


def _min_cost_flow(
    problem: RebalanceProblem, surplus: Mapping[str, int], short: Mapping[str, int]
) -> dict[tuple[str, str], int]:
    g = nx.DiGraph()
    need = sum(short.values())
    priciest = max(problem.road_seconds.values(), default=0)
    g.add_node(_BUY, demand=-need)
    for d, qty in surplus.items():
        g.add_node(("s", d), demand=-qty)
    for d, qty in short.items():
        g.add_node(("t", d), demand=qty)
        g.add_edge(_BUY, ("t", d), weight=priciest + 1, capacity=qty)
    # Unused surplus and unused purchases drain to a sink so supplies balance.
    g.add_node("__rest__", demand=sum(surplus.values()))
    g.add_edge(_BUY, "__rest__", weight=0)
    for d in surplus:
        g.add_edge(("s", d), "__rest__", weight=0)
        for t in short:
            secs = problem.road_seconds.get((d, t))
            if secs is not None and d != t:
                g.add_edge(("s", d), ("t", t), weight=secs)
    flow = nx.min_cost_flow(g)
    out: dict[tuple[str, str], int] = {}
    for u, targets in flow.items():
        for v, qty in targets.items():
            if qty and isinstance(v, tuple) and v[0] == "t":
                src = _BUY if u == _BUY else u[1]
                out[(src, v[1])] = int(qty)
    return out
