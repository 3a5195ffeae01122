"""The readiness each year's year-end stock buys, measured as the stock-levels runs measure
it (`evaluate_levels` over sampled incident scenarios, arrival over today's roads), and
the "new hazard source" what-if: the hazard is added to a copy of data/'s hazard files
before sampling, so the scenario mix shifts as its likelihood says.

Items the plan does not cover (no stock policy) keep today's stock in every year."""

from __future__ import annotations

import csv
import math
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from inventory.scenarios import ScenarioParams, ScenarioSet
from optimizer.procurement_model import ProcurementResult
from optimizer.stock_levels import evaluate_levels

from .levels_problem import LevelsInputs, build_levels_problem
from .levels_service import current_levels, sample
from .network_service import RoadContext
from .procurement_service import NewHazard
from .procurement_views import YearReadiness

#: What `inventory.hazard_data` reads to sample scenarios.
HAZARD_FILES = (
    "scenario_templates.csv",
    "hazard_sources.csv",
    "hazard_templates.csv",
    "hazard_likelihoods.csv",
    "depots.csv",
    "provinces.csv",
)
EARTH_KM = 6371.0

Progress = Callable[[float, str], None]


def sample_with_hazards(
    data_dir: Path, params: ScenarioParams, hazards: Sequence[NewHazard]
) -> ScenarioSet:
    """The scenario set of `params`, with `hazards` among the hazard sources."""
    if not hazards:
        return sample(data_dir, params)
    with tempfile.TemporaryDirectory(prefix="chemdepot-hazards-") as tmp:
        copy = Path(tmp)
        for name in HAZARD_FILES:
            shutil.copyfile(data_dir / name, copy / name)
        provinces = _province_centres(copy / "provinces.csv")
        for n, h in enumerate(hazards, start=1):
            code = f"WHATIF{n}"
            province = min(provinces, key=lambda p: _km((h.lat, h.lon), p[1]))[0]
            _append(
                copy / "hazard_sources.csv",
                id=code,
                category="what-if",
                name_vi=h.name,
                name_en=h.name,
                lat=str(h.lat),
                lon=str(h.lon),
                province_code=province,
            )
            _append(
                copy / "hazard_templates.csv",
                hazard_source=code,
                template=h.template,
                why="what-if",
            )
            _append(
                copy / "hazard_likelihoods.csv",
                hazard_source=code,
                template=h.template,
                annual_likelihood=repr(h.annual_likelihood),
                basis="what-if",
            )
        return sample(copy, params)


def _province_centres(path: Path) -> list[tuple[str, tuple[float, float]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            (r["code"], (float(r["centre_lat"]), float(r["centre_lon"])))
            for r in csv.DictReader(fh)
        ]


def _append(path: Path, **values: str) -> None:
    """One row at the end of a CSV file, its other columns empty."""
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, header).writerow({k: values.get(k, "") for k in header})


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def year_readiness(
    inputs: LevelsInputs,
    scenarios: ScenarioSet,
    road: RoadContext,
    national_level: str,
    result: ProcurementResult,
    progress: Progress,
) -> tuple[YearReadiness, list[YearReadiness]]:
    """Today's readiness (as year first - 1) and each year's, over one scenario set."""
    problem = build_levels_problem(
        inputs,
        scenarios.scenarios,
        road.router,
        national_level=national_level,
        budget=None,
        move_cost=0.0,
        shore=road.shore(),
    )
    today = current_levels(problem)
    cells = {(d.id, i.id) for d in problem.depots for i in problem.items}
    years = sorted({y.year for y in result.years})
    first = evaluate_levels(problem, today)
    before = YearReadiness(min(years, default=0) - 1, first.served_share, first.expected_unmet)
    out = []
    for n, year in enumerate(years, start=1):
        levels = dict(today)
        for s in result.stock:
            if s.year == year and (s.depot, s.item) in cells:
                levels[(s.depot, s.item)] = float(s.held)
        got = evaluate_levels(problem, levels)
        out.append(YearReadiness(year, got.served_share, got.expected_unmet))
        progress(n / len(years), f"{year}: {got.served_share:.1%} of scenarios served in time")
    return before, out
