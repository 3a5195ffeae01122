"""What the routed parcels deliver, per demand line, unit by unit as they land: lots
picked first-expiry-first, weighted hours, lateness, and the units within the bound."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ._allocation import Assignment
from .dispatch_bounds import Bounds, rule_limit
from .dispatch_explain import Landing, explain_line
from .dispatch_model import (
    DispatchParams,
    DispatchProblem,
    Fulfilment,
    PickLine,
    Unmet,
    VehicleRoute,
)

Key = tuple[str, str]


@dataclass
class _LotLeft:
    lot_id: int
    lot_no: str | None
    quantity: int


@dataclass
class Tally:
    lots_left: dict[Key, list[_LotLeft]]
    bounds: Bounds
    substitute_penalty_h: float
    picks: list[PickLine] = field(default_factory=list)
    landings: dict[Key, list[Landing]] = field(default_factory=lambda: defaultdict(list))
    weighted_hours: float = 0.0
    late_hours: float = 0.0

    @classmethod
    def start(cls, problem: DispatchProblem, params: DispatchParams, bounds: Bounds) -> Tally:
        lots = {
            (d.code, item): [_LotLeft(lot.lot_id, lot.lot_no, lot.quantity) for lot in lots]
            for d in problem.depots
            for item, lots in d.lots.items()
        }
        return cls(lots, bounds, params.substitute_penalty_h)

    def deliver(self, a: Assignment, qty: int, at: int, vehicle: str) -> None:
        """Count `qty` units of `a` landed at `at`, picked FEFO from the depot's lots."""
        line = a.line
        key = (line.incident, line.item)
        self.weighted_hours += line.weight * qty * (at / 3600 + self.substitute_penalty_h * a.rank)
        self.late_hours += qty * max(0, at - line.required_by) / 3600
        self.landings[key].append(Landing(a.depot, a.item, qty, at, vehicle))
        left = qty
        for lot in self.lots_left[(a.depot, a.item)]:
            if left == 0:
                break
            take = min(lot.quantity, left)
            if take <= 0:
                continue
            lot.quantity -= take
            left -= take
            self.picks.append(
                PickLine(
                    a.depot, a.item, lot.lot_id, lot.lot_no, take, line.incident, line.item, vehicle
                )
            )

    def within(self, key: Key) -> int:
        bound = self.bounds[key][0]
        if bound is None:
            return 0
        limit = rule_limit(bound)
        return sum(x.quantity for x in self.landings[key] if x.at <= limit)

    def fulfilment(
        self,
        problem: DispatchProblem,
        params: DispatchParams,
        unmet: list[Unmet],
        routes: list[VehicleRoute],
    ) -> list[Fulfilment]:
        """Per demand line what was met and when, against its bound, with the reason
        where it is slower than the bound rule, late, or short."""
        short: dict[Key, list[str]] = defaultdict(list)
        for u in unmet:
            short[(u.incident, u.item)].append(u.reason)
        out = []
        for inc in problem.incidents:
            for dem in inc.demands:
                key = (inc.id, dem.item)
                landed = self.landings[key]
                times = [x.at for x in landed]
                subs: dict[str, int] = defaultdict(int)
                for x in landed:
                    if x.item != dem.item:
                        subs[x.item] += x.quantity
                bound, taken = self.bounds[key]
                reason = explain_line(
                    problem, params, inc, dem, landed, bound, taken, routes, self.picks
                )
                if short[key] and not reason:
                    reason = short[key][0]
                out.append(
                    Fulfilment(
                        inc.id,
                        dem.item,
                        dem.quantity,
                        sum(x.quantity for x in landed),
                        sum(x.quantity for x in landed if x.at <= dem.required_by),
                        max(times) if times else None,
                        dem.required_by,
                        dem.priority,
                        tuple(sorted(subs.items())),
                        bound,
                        min(times) if times else None,
                        self.within(key),
                        reason,
                    )
                )
        return out

    def within_share(self, problem: DispatchProblem, unmet: list[Unmet]) -> float | None:
        """Share of priority-weighted units on fully met lines landing within the rule."""
        short = {(u.incident, u.item) for u in unmet}
        total = inside = 0
        for inc in problem.incidents:
            for dem in inc.demands:
                key = (inc.id, dem.item)
                if key in short or not self.landings[key]:
                    continue
                weight = dem.priority * inc.priority
                total += weight * sum(x.quantity for x in self.landings[key])
                inside += weight * self.within(key)
        return None if total == 0 else round(inside / total, 4)
