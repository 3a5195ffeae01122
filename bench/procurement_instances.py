"""Synthetic procurement problems shaped like the seeded depots (76 items, 17 depots, about
1,100 target rows a year, some 90 sources of three kinds, 10 storage upgrades, budgets
that bind) and the same catalogue ten times over, for timing the MILP at and beyond the
product's size when the seeded problem is not at hand."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from pathlib import Path

from api.procurement_problem import build_procurement_problem, read_books
from api.services import Database, init_database, today
from api.settings import ROOT, Settings
from inventory.procurement_data import load_procurement_data
from optimizer.procurement_model import (
    HeldLot,
    ProcDepot,
    ProcItem,
    ProcurementProblem,
    Source,
    SourceKind,
    Target,
    Upgrade,
)

ITEMS, DEPOTS, UPGRADES = 76, 17, 10
#: share of depot x item pairs with a target (76 x 17 x 0.85 = about 1,100 rows a year)
TARGET_SHARE = 0.85
#: the yearly budget as a share of the money that would fill every first-year target
BUDGET_SHARE = (0.4, 0.6)
COPIES = 10


def synthetic_problem(
    scale: float = 1.0, seed: int = 0, first_year: int = 2026, last_year: int = 2030
) -> ProcurementProblem:
    """A seeded-like problem; `scale` shrinks (or grows) the item, depot and upgrade counts."""
    rng = random.Random(seed)
    years = range(first_year, last_year + 1)
    items = tuple(_item(rng, n) for n in range(max(2, round(ITEMS * scale))))
    depot_codes = [f"DP{n:02d}" for n in range(max(1, round(DEPOTS * scale)))]
    base = {
        (d, i.code): rng.randint(5, 120)
        for d in depot_codes
        for i in items
        if rng.random() < TARGET_SHARE
    }
    targets = tuple(
        Target(d, i, y, round(q * (1 + 0.08 * (y - first_year))))
        for (d, i), q in base.items()
        for y in years
    )
    lots = tuple(_lot(rng, d, i, q, items, first_year) for (d, i), q in sorted(base.items()))
    sources = tuple(s for i in items for s in _sources(rng, i, base, depot_codes, first_year))
    depots = tuple(_depot(rng, d, items, base, last_year - first_year) for d in depot_codes)
    upgrades = tuple(
        _upgrade(rng, n, rng.choice(depots)) for n in range(max(1, round(UPGRADES * scale)))
    )
    budgets = _budgets(rng, targets, lots, sources, first_year, years)
    return ProcurementProblem(
        first_year, last_year, items, depots, lots, sources, upgrades, targets, budgets
    )


def _item(rng: random.Random, n: int) -> ProcItem:
    shelf = rng.randint(2, 6) if rng.random() < 0.4 else None
    return ProcItem(
        f"IT{n:03d}",
        weight_kg=round(rng.uniform(0.5, 120.0), 2),
        volume_m3=round(rng.uniform(0.005, 1.2), 3),
        shelf_life_years=shelf,
        priority=rng.choice((1.0, 1.0, 2.0, 3.0)),
    )


def _lot(
    rng: random.Random,
    depot: str,
    item: str,
    quantity: int,
    items: tuple[ProcItem, ...],
    first_year: int,
) -> HeldLot:
    """Today's stock covers 30-90 % of the first target; perishable lots expire soon."""
    life = next(i.shelf_life_years for i in items if i.code == item)
    through = None if life is None else first_year + rng.randint(0, life - 1)
    return HeldLot(depot, item, round(quantity * rng.uniform(0.3, 0.9)), through)


def _sources(
    rng: random.Random,
    item: ProcItem,
    base: dict[tuple[str, str], int],
    depots: list[str],
    first_year: int,
) -> list[Source]:
    """One or two sources an item: a domestic supplier (dear, no lead time), an import
    (cheaper, a year's lead) or a production line (cheapest, from a later year, to a few
    depots); each can make 15-50 % of the item's whole target a year."""
    need = sum(q for (_, i), q in base.items() if i == item.code) or 10
    unit = rng.randint(2, 60) * 1_000_000
    kinds: list[SourceKind] = rng.sample(
        ["domestic", "import", "production"], rng.choice((1, 1, 1, 2))
    )
    out = []
    for kind in kinds:
        cap = max(1, round(need * rng.uniform(0.15, 0.5)))
        code = f"{kind[:3].upper()}-{item.code}"
        if kind == "domestic":
            out.append(Source(code, item.code, kind, cap, unit))
        elif kind == "import":
            out.append(Source(code, item.code, kind, cap, round(unit * 0.8), lead_time_years=1))
        else:
            served = tuple(sorted(rng.sample(depots, max(1, len(depots) // 3))))
            start = first_year + rng.randint(0, 2)
            out.append(Source(code, item.code, kind, cap, round(unit * 0.6), 0, start, served))
    return out


def _depot(
    rng: random.Random,
    code: str,
    items: tuple[ProcItem, ...],
    base: dict[tuple[str, str], int],
    span: int,
) -> ProcDepot:
    """Room for 85-130 % of the final year's targets: some depots fill up."""
    grow = 1 + 0.08 * span
    volume = sum(i.volume_m3 * base.get((code, i.code), 0) * grow for i in items)
    weight = sum(i.weight_kg * base.get((code, i.code), 0) * grow for i in items)
    share = rng.uniform(0.85, 1.3)
    return ProcDepot(code, round(volume * share + 1, 1), round(weight * share * 1.1 + 1, 1))


def _upgrade(rng: random.Random, n: int, depot: ProcDepot) -> Upgrade:
    share = rng.uniform(0.2, 0.4)
    return Upgrade(
        f"UP{n:02d}-{depot.code}",
        depot.code,
        round(depot.capacity_m3 * share, 1),
        round(depot.capacity_kg * share, 1),
        rng.randint(2, 10) * 1_000_000_000,
        build_years=rng.choice((1, 1, 2)),
    )


def _budgets(
    rng: random.Random,
    targets: tuple[Target, ...],
    lots: tuple[HeldLot, ...],
    sources: tuple[Source, ...],
    first_year: int,
    years: range,
) -> dict[int, int]:
    """40-60 % of what filling every first-year target at the cheapest price would cost."""
    cheapest: dict[str, int] = {}
    for s in sources:
        cheapest[s.item] = min(cheapest.get(s.item, s.unit_cost_vnd), s.unit_cost_vnd)
    held = {(lot.depot, lot.item): lot.quantity for lot in lots}
    gap_money = sum(
        max(0, t.quantity - held.get((t.depot, t.item), 0)) * cheapest.get(t.item, 0)
        for t in targets
        if t.year == first_year
    )
    return {y: int(round(gap_money * rng.uniform(*BUDGET_SHARE), -6)) for y in years}


def tenfold(problem: ProcurementProblem, seed: int = 1) -> ProcurementProblem:
    """The catalogue ten times over: items, sources, lots and targets copied with suffixed
    codes and costs perturbed by up to 3 %; the same depots with ten times the space, ten
    times the budgets, and upgrades ten times as large and dear (so they still matter)."""
    rng = random.Random(seed)

    def code(c: str, k: int) -> str:
        return f"{c}-x{k}"

    items, sources, lots, targets = [], [], [], []
    for k in range(COPIES):
        items += [replace(i, code=code(i.code, k)) for i in problem.items]
        sources += [
            replace(
                s,
                code=code(s.code, k),
                item=code(s.item, k),
                unit_cost_vnd=round(s.unit_cost_vnd * rng.uniform(0.97, 1.03)),
            )
            for s in problem.sources
        ]
        lots += [replace(lot, item=code(lot.item, k)) for lot in problem.lots]
        targets += [replace(t, item=code(t.item, k)) for t in problem.targets]
    depots = tuple(
        replace(d, capacity_m3=d.capacity_m3 * COPIES, capacity_kg=d.capacity_kg * COPIES)
        for d in problem.depots
    )
    upgrades = tuple(
        replace(
            u,
            added_m3=u.added_m3 * COPIES,
            added_kg=u.added_kg * COPIES,
            cost_vnd=u.cost_vnd * COPIES,
        )
        for u in problem.upgrades
    )
    budgets = {y: money * COPIES for y, money in problem.budgets.items()}
    return replace(
        problem,
        items=tuple(items),
        depots=depots,
        lots=tuple(lots),
        sources=tuple(sources),
        upgrades=upgrades,
        targets=tuple(targets),
        budgets=budgets,
    )


def seeded_problem(first_year: int = 2026, last_year: int = 2030) -> ProcurementProblem:
    """The problem of the bundled dataset, built as a run builds it, from a fresh temporary
    seeded SQLite database (no configured database is touched)."""
    data_dir = ROOT / "data"
    with tempfile.TemporaryDirectory(prefix="chemdepot-procurement-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'seeded.db'}"
        init_database(Settings(database_url=url, data_dir=data_dir))
        db = Database(url)
        try:
            with db.uow().reading() as uow:
                books = read_books(uow.session, today())
        finally:
            db.dispose()
    return build_procurement_problem(books, load_procurement_data(data_dir), first_year, last_year)
