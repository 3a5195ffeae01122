"""The procurement planning files (data/procurement_*.csv, depot_upgrades.csv,
readiness_targets.csv) load, agree with the catalogue, and make the money bind."""

from __future__ import annotations

import csv
import math
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from inventory.procurement_data import (
    BUDGETS_FILE,
    SOURCES_FILE,
    TARGETS_FILE,
    UPGRADES_FILE,
    ProcurementData,
    ProcurementDataError,
    load_procurement_data,
)

DATA = Path(__file__).resolve().parents[2] / "data"
#: the year the seed stands for (lot numbers are labelled as if seeded in 2026)
SEED_YEAR = 2026
YEARS = range(2026, 2031)
PLANNING_FILES = (SOURCES_FILE, UPGRADES_FILE, BUDGETS_FILE, TARGETS_FILE)


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def data() -> ProcurementData:
    return load_procurement_data(DATA)


def test_the_bundled_files_load(data: ProcurementData) -> None:
    assert data.sources and data.upgrades
    assert sorted(data.budgets) == list(YEARS)
    assert sorted(data.target_shares) == list(YEARS)


def test_every_item_has_a_source(data: ProcurementData) -> None:
    items = {r["code"] for r in _read("items.csv")}
    assert items - {s.item for s in data.sources} == set()


def test_every_depot_x_item_policy_has_a_source_that_delivers_to_its_depot(
    data: ProcurementData,
) -> None:
    reach: defaultdict[str, set[str]] = defaultdict(set)
    everywhere: set[str] = set()
    for s in data.sources:
        if s.depots is None:
            everywhere.add(s.item)
        else:
            reach[s.item].update(s.depots)
    stranded = [
        (p["depot"], p["item"])
        for p in _read("stock_policies.csv")
        if p["item"] not in everywhere and p["depot"] not in reach[p["item"]]
    ]
    assert stranded == []


def test_every_depot_code_is_known(data: ProcurementData) -> None:
    depots = {r["code"] for r in _read("depots.csv")}
    named = {u.depot for u in data.upgrades}
    named |= {d for s in data.sources for d in s.depots or ()}
    assert named <= depots


def test_the_readiness_ramp_rises_to_the_full_target_by_2030(data: ProcurementData) -> None:
    shares = [data.target_shares[y] for y in YEARS]
    assert shares == sorted(shares) and shares[-1] == 1.0


def _copy(tmp_path: Path) -> Path:
    for name in ("items.csv", "depots.csv", *PLANNING_FILES):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, row: int, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = list(reader)
    rows[row][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [
        (SOURCES_FILE, "item", "NO-SUCH-ITEM"),
        (SOURCES_FILE, "depots", "D-HNI;D-XXX"),
        (SOURCES_FILE, "unit_cost_vnd", "-1000"),
        (SOURCES_FILE, "kind", "barter"),
        (SOURCES_FILE, "code", "DUPLICATE"),
        (SOURCES_FILE, "first_year", "2019"),
        (UPGRADES_FILE, "depot", "D-XXX"),
        (UPGRADES_FILE, "cost_vnd", "-5"),
        (UPGRADES_FILE, "code", "DUPLICATE"),
        (BUDGETS_FILE, "budget_vnd", "-1"),
        (BUDGETS_FILE, "year", "DUPLICATE"),
        (TARGETS_FILE, "target_share", "1.2"),
        (TARGETS_FILE, "target_share", "0"),
        (TARGETS_FILE, "year", "DUPLICATE"),
    ],
)
def test_a_broken_copy_is_refused_naming_its_file_row_and_column(
    tmp_path: Path, file: str, column: str, value: str
) -> None:
    data_dir = _copy(tmp_path)
    if value == "DUPLICATE":
        with (data_dir / file).open(newline="", encoding="utf-8") as fh:
            value = next(csv.DictReader(fh))[column]
    _edit(data_dir / file, 1, column, value)
    with pytest.raises(ProcurementDataError) as caught:
        load_procurement_data(data_dir)
    assert (caught.value.file, caught.value.column, caught.value.row) == (file, column, 3)
    assert file in str(caught.value) and column in str(caught.value)


def _money_needed(data: ProcurementData) -> tuple[int, dict[int, int]]:
    """The first-year gap and each year's spend to hold every policy target at every year's
    end, at each item's cheapest source. Held stock is the serviceable opening lots; a lot with
    an expiry offset counts through the year before the one it expires in (seed on 1 January
    of SEED_YEAR); a bought lot of an item with a shelf life of L whole years counts L years."""
    price: dict[str, int] = {}
    for s in data.sources:
        price[s.item] = min(price.get(s.item, s.unit_cost_vnd), s.unit_cost_vnd)
    shelf = {
        r["code"]: int(r["shelf_life_days"]) // 365 if r["shelf_life_days"] else None
        for r in _read("items.csv")
    }
    held: dict[tuple[str, str], list[tuple[int, int | None]]] = defaultdict(list)
    for r in _read("opening_stock.csv"):
        if r["condition"] == "serviceable":
            offset = r["expiry_offset_days"]
            through = SEED_YEAR + math.floor(int(offset) / 365.25) - 1 if offset else None
            held[(r["depot"], r["item"])].append((int(r["quantity"]), through))
    spend = dict.fromkeys(YEARS, 0)
    for p in _read("stock_policies.csv"):
        lots = held[(p["depot"], p["item"])]
        for year in YEARS:
            short = int(p["target_qty"]) - sum(q for q, t in lots if t is None or t >= year)
            if short > 0:
                life = shelf[p["item"]]
                lots.append((short, None if life is None else year + life - 1))
                spend[year] += short * price[p["item"]]
    return spend[YEARS[0]], spend


def test_the_budgets_bind_but_reach_most_of_the_targets_by_2030(data: ProcurementData) -> None:
    gap, spend = _money_needed(data)
    needed = sum(spend.values())
    budgets = [data.budgets[y] for y in YEARS]
    assert 0.30 * gap <= budgets[0] <= 0.45 * gap, "2026 buys only part of the first-year gap"
    assert budgets == sorted(budgets), "the budget rises year on year"
    assert sum(budgets) < needed, "five years' money falls short of every target from 2026"
    assert sum(budgets) >= 0.85 * needed, "but reaches most of it by 2030"
    running_need = running_money = 0
    for year, money in zip(YEARS, budgets, strict=True):
        running_need += spend[year]
        running_money += money
        if year <= 2028:
            assert running_money < running_need, f"targets are out of reach in {year}"
