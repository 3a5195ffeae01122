"""The books and data/ as a multi-year procurement problem: today's usable stock by
expiry year, the stock policies' targets scaled by each year's readiness share, the
depots' room, and the sources, upgrades and budgets of data/procurement_*.csv.

Planning assumptions: a lot expiring in year E is usable through E-1 (it must be replaced
before that year's end); a new lot's shelf life counts in whole years (at least one);
every item weighs the same against the others (priority 1)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.models import Balance, Depot, Item, Location, LocationKind, Lot, StockPolicy
from inventory.procurement_data import ProcurementData
from inventory.queries import usable_clause
from optimizer.procurement_model import (
    HeldLot,
    ProcDepot,
    ProcItem,
    ProcurementProblem,
    Source,
    Target,
    Upgrade,
)

DAYS_A_YEAR = 365


@dataclass(frozen=True)
class BooksSnapshot:
    """What the books say, read in one snapshot (plain values: solved after it closes)."""

    items: tuple[ProcItem, ...]
    depots: tuple[ProcDepot, ...]
    lots: tuple[HeldLot, ...]
    #: (depot, item) -> the policy's target quantity
    policy_targets: Mapping[tuple[str, str], int]


def read_books(session: Session, day: dt.date) -> BooksSnapshot:
    """Items, depots, usable unreserved stock by expiry year, and the policies' targets."""
    items = tuple(_item(i) for i in session.scalars(select(Item).order_by(Item.code)))
    depots = tuple(
        ProcDepot(d.code, d.capacity_m3, d.capacity_kg)
        for d in session.scalars(select(Depot).order_by(Depot.code))
    )
    targets = {
        (p.depot_code, p.item_code): p.target_qty for p in session.scalars(select(StockPolicy))
    }
    return BooksSnapshot(items, depots, _usable_lots(session, day), targets)


def _item(i: Item) -> ProcItem:
    life = None if i.shelf_life_days is None else max(1, i.shelf_life_days // DAYS_A_YEAR)
    return ProcItem(i.code, i.unit_weight_kg, i.unit_volume_m3, shelf_life_years=life)


def _usable_lots(session: Session, day: dt.date) -> tuple[HeldLot, ...]:
    """Serviceable, unexpired, unreserved units per depot x item x expiry date."""
    quantity = func.sum(Balance.on_hand - Balance.reserved)
    stmt = (
        select(Location.depot_code, Lot.item_code, Lot.expiry_date, quantity)
        .join(Location, Location.id == Balance.location_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .where(Location.kind == LocationKind.DEPOT, usable_clause(day))
        .group_by(Location.depot_code, Lot.item_code, Lot.expiry_date)
    )
    held: dict[tuple[str, str, int | None], int] = {}
    for depot, item, expiry, qty in session.execute(stmt):
        if qty is None or int(qty) <= 0:
            continue
        through = None if expiry is None else expiry.year - 1
        key = (str(depot), str(item), through)
        held[key] = held.get(key, 0) + int(qty)
    return tuple(
        HeldLot(d, i, q, t)
        for (d, i, t), q in sorted(held.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0))
    )


def build_procurement_problem(
    books: BooksSnapshot, data: ProcurementData, first_year: int, last_year: int
) -> ProcurementProblem:
    """The problem over [first_year, last_year]; InvalidProblemError names a bad field."""
    years = range(first_year, last_year + 1)
    return ProcurementProblem(
        first_year=first_year,
        last_year=last_year,
        items=books.items,
        depots=books.depots,
        lots=books.lots,
        sources=tuple(
            Source(
                code=s.code,
                item=s.item,
                kind=s.kind,  # type: ignore[arg-type]  # the loader checks the kind
                capacity_per_year=s.capacity_per_year,
                unit_cost_vnd=s.unit_cost_vnd,
                lead_time_years=s.lead_time_years,
                first_year=s.first_year,
                depots=s.depots,
            )
            for s in data.sources
        ),
        upgrades=tuple(
            Upgrade(u.code, u.depot, u.added_m3, u.added_kg, u.cost_vnd, u.build_years)
            for u in data.upgrades
        ),
        targets=_targets(books.policy_targets, data.target_shares, years),
        budgets={y: data.budgets.get(y, 0) for y in years},
    )


def _targets(
    policy: Mapping[tuple[str, str], int], shares: Mapping[int, float], years: Sequence[int]
) -> tuple[Target, ...]:
    """ceil(share x policy target) for every policy and year with a share."""
    return tuple(
        Target(depot, item, year, math.ceil(shares[year] * qty))
        for year in years
        if year in shares
        for (depot, item), qty in sorted(policy.items())
    )


def narrowed(
    books: BooksSnapshot, data: ProcurementData, items: Sequence[str], depots: Sequence[str]
) -> tuple[BooksSnapshot, ProcurementData]:
    """The books and data/ cut to the items and depots a planner chose (empty: all)."""
    keep_i = set(items) or {i.code for i in books.items}
    keep_d = set(depots) or {d.code for d in books.depots}
    cut_books = BooksSnapshot(
        items=tuple(i for i in books.items if i.code in keep_i),
        depots=tuple(d for d in books.depots if d.code in keep_d),
        lots=tuple(lot for lot in books.lots if lot.item in keep_i and lot.depot in keep_d),
        policy_targets={
            (d, i): q for (d, i), q in books.policy_targets.items() if i in keep_i and d in keep_d
        },
    )
    sources = []
    for s in data.sources:
        reach = None if s.depots is None else tuple(d for d in s.depots if d in keep_d)
        if s.item in keep_i and reach != ():
            sources.append(replace(s, depots=reach))
    cut_data = replace(
        data,
        sources=tuple(sources),
        upgrades=tuple(u for u in data.upgrades if u.depot in keep_d),
    )
    return cut_books, cut_data
