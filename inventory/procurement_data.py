"""The planning data of the procurement model (issue 13), read from data/ and checked.

Four files: the sources of each item (suppliers, importers, production lines), the depot
upgrade options, the yearly budgets and the readiness ramp. Every code they name is checked
against items.csv and depots.csv here, so a contradiction is reported once, with its file, row
and column, before any model is built. Pure apart from reading the files of the `data_dir` it
is given; inventory may not import optimizer, so these rows are plain data the caller maps onto
the model's types."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

SOURCE_KINDS = frozenset({"domestic", "import", "production"})
#: lead times the model counts in (whole years)
LEAD_TIMES = frozenset({0, 1})
FIRST_YEAR_ALLOWED = 2020
LAST_YEAR_ALLOWED = 2040

SOURCES_FILE = "procurement_sources.csv"
UPGRADES_FILE = "depot_upgrades.csv"
BUDGETS_FILE = "procurement_budgets.csv"
TARGETS_FILE = "readiness_targets.csv"

_COLUMNS = {
    SOURCES_FILE: (
        "code",
        "item",
        "kind",
        "name_vi",
        "name_en",
        "capacity_per_year",
        "unit_cost_vnd",
        "lead_time_years",
        "first_year",
        "depots",
    ),
    UPGRADES_FILE: (
        "code",
        "depot",
        "name_vi",
        "name_en",
        "added_m3",
        "added_kg",
        "cost_vnd",
        "build_years",
    ),
    BUDGETS_FILE: ("year", "budget_vnd", "basis"),
    TARGETS_FILE: ("year", "target_share", "basis"),
}

#: the column whose value no two rows of a file may share
_KEYS = {SOURCES_FILE: "code", UPGRADES_FILE: "code", BUDGETS_FILE: "year", TARGETS_FILE: "year"}


class ProcurementDataError(ValueError):
    """A planning file contradicts itself or the catalogue; names the file, row and column."""

    def __init__(self, file: str, row: int, column: str, problem: str) -> None:
        super().__init__(f"{file} row {row}, column {column}: {problem}")
        self.file = file
        #: the line of the file (the header is row 1)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class SourceRow:
    """A supplier, an importer or a domestic production line for one item."""

    code: str
    item: str
    kind: str
    name_vi: str
    name_en: str
    capacity_per_year: int
    unit_cost_vnd: int
    lead_time_years: int
    first_year: int
    #: the depots it delivers to; None: any depot
    depots: tuple[str, ...] | None


@dataclass(frozen=True)
class UpgradeRow:
    """An option to enlarge one depot's storage."""

    code: str
    depot: str
    name_vi: str
    name_en: str
    added_m3: float
    added_kg: float
    cost_vnd: int
    build_years: int


@dataclass(frozen=True)
class BudgetRow:
    year: int
    budget_vnd: int
    basis: str


@dataclass(frozen=True)
class TargetShare:
    """The share of each depot x item policy target to hold at the end of `year`."""

    year: int
    target_share: float
    basis: str


@dataclass(frozen=True)
class ProcurementData:
    sources: tuple[SourceRow, ...]
    upgrades: tuple[UpgradeRow, ...]
    #: year -> budget in VND
    budgets: Mapping[int, int]
    #: year -> share of the policy targets, in (0, 1]
    target_shares: Mapping[int, float]


def load_procurement_data(data_dir: Path) -> ProcurementData:
    """Read and check the four planning files; ProcurementDataError on the first contradiction."""
    items = _codes(data_dir / "items.csv")
    depots = _codes(data_dir / "depots.csv")
    rows = {file: list(_rows(data_dir, file)) for file in _COLUMNS}
    sources = tuple(_source(r, items, depots) for r in rows[SOURCES_FILE])
    upgrades = tuple(_upgrade(r, depots) for r in rows[UPGRADES_FILE])
    budgets = [BudgetRow(_year(r), r.whole("budget_vnd"), r["basis"]) for r in rows[BUDGETS_FILE]]
    shares = [TargetShare(_year(r), _share(r), r["basis"]) for r in rows[TARGETS_FILE]]
    for file, key in _KEYS.items():
        _unique(file, key, [(r.row, r[key]) for r in rows[file]])
    return ProcurementData(
        sources=sources,
        upgrades=upgrades,
        budgets=MappingProxyType({b.year: b.budget_vnd for b in budgets}),
        target_shares=MappingProxyType({s.year: s.target_share for s in shares}),
    )


class _Row:
    """One CSV row that knows where it came from, so every problem can say so."""

    def __init__(self, file: str, row: int, values: dict[str, str]) -> None:
        self.file = file
        self.row = row
        self.values = values

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def fail(self, column: str, problem: str) -> ProcurementDataError:
        return ProcurementDataError(self.file, self.row, column, problem)

    def text(self, column: str) -> str:
        if not self[column]:
            raise self.fail(column, "is empty")
        return self[column]

    def whole(self, column: str) -> int:
        """A whole number >= 0 (money, units and years are never negative)."""
        try:
            value = int(self[column])
        except ValueError:
            raise self.fail(column, f"{self[column]!r} is not a whole number") from None
        if value < 0:
            raise self.fail(column, f"{value} is negative")
        return value

    def amount(self, column: str) -> float:
        try:
            value = float(self[column])
        except ValueError:
            raise self.fail(column, f"{self[column]!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise self.fail(column, f"{self[column]} is not a finite number >= 0")
        return value


def _rows(data_dir: Path, file: str) -> Iterator[_Row]:
    with (data_dir / file).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _COLUMNS[file] if c not in (reader.fieldnames or ())]
        if missing:
            raise ProcurementDataError(file, 1, missing[0], "missing from the header")
        for values in reader:
            clean = {k: (v or "").strip() for k, v in values.items() if k is not None}
            yield _Row(file, reader.line_num, clean)


def _codes(path: Path) -> frozenset[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return frozenset(r["code"].strip() for r in csv.DictReader(fh))


def _source(r: _Row, items: frozenset[str], depots: frozenset[str]) -> SourceRow:
    item = r.text("item")
    if item not in items:
        raise r.fail("item", f"unknown item {item!r} (not in items.csv)")
    kind = r.text("kind")
    if kind not in SOURCE_KINDS:
        raise r.fail("kind", f"{kind!r} is not one of {sorted(SOURCE_KINDS)}")
    lead = r.whole("lead_time_years")
    if lead not in LEAD_TIMES:
        raise r.fail("lead_time_years", f"{lead} is not 0 or 1")
    listed = tuple(d.strip() for d in r["depots"].split(";")) if r["depots"] else None
    for depot in listed or ():
        if depot not in depots:
            raise r.fail("depots", f"unknown depot {depot!r} (not in depots.csv)")
    if listed is not None and len(set(listed)) != len(listed):
        raise r.fail("depots", "lists a depot twice")
    return SourceRow(
        code=r.text("code"),
        item=item,
        kind=kind,
        name_vi=r.text("name_vi"),
        name_en=r.text("name_en"),
        capacity_per_year=r.whole("capacity_per_year"),
        unit_cost_vnd=r.whole("unit_cost_vnd"),
        lead_time_years=lead,
        first_year=_year(r, "first_year"),
        depots=listed,
    )


def _upgrade(r: _Row, depots: frozenset[str]) -> UpgradeRow:
    depot = r.text("depot")
    if depot not in depots:
        raise r.fail("depot", f"unknown depot {depot!r} (not in depots.csv)")
    return UpgradeRow(
        code=r.text("code"),
        depot=depot,
        name_vi=r.text("name_vi"),
        name_en=r.text("name_en"),
        added_m3=r.amount("added_m3"),
        added_kg=r.amount("added_kg"),
        cost_vnd=r.whole("cost_vnd"),
        build_years=r.whole("build_years"),
    )


def _year(r: _Row, column: str = "year") -> int:
    year = r.whole(column)
    if not FIRST_YEAR_ALLOWED <= year <= LAST_YEAR_ALLOWED:
        raise r.fail(column, f"{year} is outside {FIRST_YEAR_ALLOWED}-{LAST_YEAR_ALLOWED}")
    return year


def _share(r: _Row) -> float:
    share = r.amount("target_share")
    if not 0 < share <= 1:
        raise r.fail("target_share", f"{share} is not in (0, 1]")
    return share


def _unique(file: str, column: str, keys: list[tuple[int, str]]) -> None:
    seen: set[str] = set()
    for row, key in keys:
        if key in seen:
            raise ProcurementDataError(file, row, column, f"{key!r} appears twice")
        seen.add(key)
