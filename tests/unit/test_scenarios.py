"""Scenario sets for the stock-levels model (inventory/scenarios.py) and the likelihoods they
are drawn with (data/hazard_likelihoods.csv)."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections import Counter
from pathlib import Path

import pytest
from scipy.stats import chi2

from inventory.errors import ValidationError
from inventory.scenarios import (
    DEFAULT_SIZES,
    EARTH_RADIUS_KM,
    MAX_SCENARIOS,
    ScenarioDataError,
    ScenarioParams,
    ScenarioParamsError,
    ScenarioSet,
    from_json,
    load_hazard_pairs,
    params_dict,
    params_from_dict,
    sample_scenarios,
    scaled_quantity,
    to_json,
)
from network import geometry
from network.geometry import haversine_km

DATA = Path(__file__).resolve().parents[2] / "data"
#: Big enough for a frequency test over ~90 pairs; takes a second or two.
LARGE = 20_000


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


SOURCES = {r["id"]: r for r in _rows("hazard_sources.csv")}
FITS = {(r["hazard_source"], r["template"]) for r in _rows("hazard_templates.csv")}
LIKELIHOODS = _rows("hazard_likelihoods.csv")
TEMPLATE_ROWS: dict[str, list[dict[str, str]]] = {}
for _row in _rows("scenario_templates.csv"):
    TEMPLATE_ROWS.setdefault(_row["template"], []).append(_row)


@pytest.fixture(scope="module")
def large() -> ScenarioSet:
    return sample_scenarios(DATA, ScenarioParams(count=LARGE, seed=2026))


@pytest.fixture(scope="module")
def every_level() -> ScenarioSet:
    levels = ("facility", "provincial", "national")
    return sample_scenarios(DATA, ScenarioParams(count=3000, seed=11, levels=levels))


def test_the_same_seed_gives_the_same_set_and_fingerprint() -> None:
    params = ScenarioParams(count=500, seed=42)
    first = sample_scenarios(DATA, params)
    again = sample_scenarios(DATA, ScenarioParams(count=500, seed=42))
    assert again == first
    assert again.fingerprint == first.fingerprint
    assert to_json(again) == to_json(first)
    assert len(first.fingerprint) == 64 and int(first.fingerprint, 16) >= 0


def test_a_different_seed_gives_a_different_set_and_fingerprint() -> None:
    one = sample_scenarios(DATA, ScenarioParams(count=500, seed=1))
    two = sample_scenarios(DATA, ScenarioParams(count=500, seed=2))
    assert one.scenarios != two.scenarios
    assert one.fingerprint != two.fingerprint


def test_sampling_frequencies_follow_the_likelihoods(large: ScenarioSet) -> None:
    pairs = [p for p in load_hazard_pairs(DATA) if p.level in large.params.levels]
    total = sum(p.annual_likelihood for p in pairs)
    expected = {(p.source, p.template): LARGE * p.annual_likelihood / total for p in pairs}
    seen = Counter((s.source, s.template) for s in large.scenarios)
    assert set(seen) <= set(expected)
    # Pairs expected fewer than 5 times are pooled into one bin, as a chi-square test needs.
    big = [k for k, e in expected.items() if e >= 5]
    bins = [(seen[k], expected[k]) for k in big]
    bins.append(
        (
            sum(seen[k] for k in expected if k not in big),
            sum(e for k, e in expected.items() if k not in big),
        )
    )
    statistic = sum((o - e) ** 2 / e for o, e in bins)
    assert statistic < chi2.ppf(0.999, len(bins) - 1)
    # and each frequent pair lies within 5 standard deviations of its expected count
    for key in big:
        p = expected[key] / LARGE
        assert abs(seen[key] - expected[key]) <= 5 * math.sqrt(LARGE * p * (1 - p)), key


def test_every_sampled_template_is_one_its_source_can_cause(every_level: ScenarioSet) -> None:
    for s in every_level.scenarios:
        assert (s.source, s.template) in FITS
        assert s.source_name == SOURCES[s.source]["name_vi"]
        assert s.province_code == SOURCES[s.source]["province_code"]
        assert {r["incident_type"] for r in TEMPLATE_ROWS[s.template]} == {s.incident_type}
        assert {r["level"] for r in TEMPLATE_ROWS[s.template]} == {s.level}


def test_places_lie_within_the_radius_of_their_source(large: ScenarioSet) -> None:
    radius = large.params.place_radius_km
    distances = [haversine_km((s.lat, s.lon), _point(s.source)) for s in large.scenarios]
    assert max(distances) <= radius + 1e-3
    # uniform by area: half the places lie beyond radius / sqrt(2)
    beyond = sum(d > radius / math.sqrt(2) for d in distances) / len(distances)
    assert 0.48 < beyond < 0.52


def test_a_zero_radius_puts_every_incident_on_its_source() -> None:
    sampled = sample_scenarios(DATA, ScenarioParams(count=200, seed=3, place_radius_km=0))
    for s in sampled.scenarios:
        assert (s.lat, s.lon) == pytest.approx(_point(s.source), abs=1e-6)


def test_a_place_check_may_refuse_places_and_the_source_is_the_last_resort() -> None:
    def north_only(lat: float, lon: float, incident_type: str) -> bool:
        return lat >= 15.0 or incident_type == "oil_spill_water"

    checked = sample_scenarios(DATA, ScenarioParams(count=400, seed=5), accept_place=north_only)
    for s in checked.scenarios:
        assert north_only(s.lat, s.lon, s.incident_type) or (s.lat, s.lon) == _point(s.source)
    unchecked = sample_scenarios(DATA, ScenarioParams(count=400, seed=5))
    assert checked.fingerprint != unchecked.fingerprint

    nowhere = sample_scenarios(
        DATA, ScenarioParams(count=50, seed=5), accept_place=lambda *_: False
    )
    assert all((s.lat, s.lon) == _point(s.source) for s in nowhere.scenarios)


def test_demand_lines_are_the_template_scaled_by_size_rounded_up(
    every_level: ScenarioSet,
) -> None:
    for s in every_level.scenarios:
        rows = TEMPLATE_ROWS[s.template]
        assert [x.item for x in s.lines] == [r["item"] for r in rows]
        for line, row in zip(s.lines, rows, strict=True):
            assert line.quantity == max(1, math.ceil(int(row["quantity"]) * s.size))
            assert line.quantity >= int(row["quantity"]) * s.size
            assert line.required_by_h == float(row["required_by_h"])
            assert line.priority == int(row["priority"])


@pytest.mark.parametrize(
    ("quantity", "size", "asked"),
    [(5, 0.5, 3), (3, 0.1, 1), (10, 0.25, 3), (4, 0.5, 2), (7, 3.0, 21), (1, 0.01, 1)],
)
def test_a_scaled_quantity_is_rounded_up_and_at_least_one(
    quantity: int, size: float, asked: int
) -> None:
    assert scaled_quantity(quantity, size) == asked


def test_a_larger_size_never_asks_for_less() -> None:
    for quantity in (1, 3, 7, 40, 800):
        asked = [scaled_quantity(quantity, size) for size in (0.1, 0.5, 1, 1.5, 2, 3, 4, 20)]
        assert asked == sorted(asked)
        assert min(asked) >= 1
        assert scaled_quantity(quantity, 1) == quantity


def test_sizes_come_from_the_levels_distribution(every_level: ScenarioSet) -> None:
    for level, dist in DEFAULT_SIZES.items():
        sizes = [s.size for s in every_level.scenarios if s.level == level]
        assert sizes, level
        assert set(sizes) <= {size for size, _ in dist}
    provincial = Counter(s.size for s in every_level.scenarios if s.level == "provincial")
    n = sum(provincial.values())
    for size, weight in DEFAULT_SIZES["provincial"]:
        assert abs(provincial[size] / n - weight) < 5 * math.sqrt(weight * (1 - weight) / n)


def test_the_levels_filter_keeps_only_those_levels() -> None:
    national = sample_scenarios(DATA, ScenarioParams(count=300, seed=8, levels=("national",)))
    assert {s.level for s in national.scenarios} == {"national"}
    facility = sample_scenarios(DATA, ScenarioParams(count=300, seed=8, levels=("facility",)))
    assert {s.level for s in facility.scenarios} == {"facility"}


def test_the_incident_types_filter_keeps_only_those_types() -> None:
    params = ScenarioParams(count=300, seed=8, incident_types=("toxic_gas", "radiological"))
    sampled = sample_scenarios(DATA, params)
    assert {s.incident_type for s in sampled.scenarios} == {"toxic_gas", "radiological"}


def test_the_annual_rate_sums_the_eligible_likelihoods() -> None:
    params = ScenarioParams(count=10, seed=1, levels=("national",), incident_types=("toxic_gas",))
    sampled = sample_scenarios(DATA, params)
    want = sum(
        float(r["annual_likelihood"])
        for r in LIKELIHOODS
        if r["template"].startswith("toxic_gas.") and r["template"].endswith(".national")
    )
    assert sampled.annual_rate == pytest.approx(want)
    assert sampled.annual_rate > 0


def test_every_scenario_is_equally_likely_and_the_set_sums_to_one(large: ScenarioSet) -> None:
    assert {s.probability for s in large.scenarios} == {1 / LARGE}
    assert math.fsum(s.probability for s in large.scenarios) == pytest.approx(1.0)
    assert [s.id for s in large.scenarios[:3]] == ["S00001", "S00002", "S00003"]
    assert len({s.id for s in large.scenarios}) == LARGE


def test_a_sources_zone_is_that_of_its_provinces_depot_or_the_nearest_one() -> None:
    sampled = sample_scenarios(DATA, ScenarioParams(count=3000, seed=4, levels=("provincial",)))
    zones = {s.source: s.zone for s in sampled.scenarios}
    assert zones["F12"] == "north"  # Phú Thọ, depot D-VTR
    assert zones["F15"] == "highlands"  # Lâm Đồng, depot D-DLT
    assert zones["F14"] == "centre"  # Hà Tĩnh has no depot; Vinh is nearest
    assert zones["I11"] == "mekong"  # Vĩnh Long has no depot; Cần Thơ is nearest
    assert zones["I07"] == "highlands"  # Tuy Hòa is in Đắk Lắk since 2025 (D-BMT)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": MAX_SCENARIOS + 1}, "count"),
        ({"count": 2.5}, "count"),
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"place_radius_km": -0.1}, "place_radius_km"),
        ({"place_radius_km": math.nan}, "place_radius_km"),
        ({"levels": ()}, "levels"),
        ({"levels": ("regional",)}, "levels"),
        ({"levels": ("national", "national")}, "levels"),
        ({"incident_types": ("oil_spill_water", "oil_spill_water")}, "incident_types"),
        ({"sizes": {"provincial": ((0.0, 1.0),), "national": ((1.0, 1.0),)}}, "sizes.provincial"),
        ({"sizes": {"provincial": ((1.0, -1.0),), "national": ((1.0, 1.0),)}}, "sizes.provincial"),
        ({"sizes": {"provincial": (), "national": ((1.0, 1.0),)}}, "sizes.provincial"),
        ({"sizes": {"national": ((1.0, 1.0),)}}, "levels"),
    ],
)
def test_bad_params_raise_a_value_error_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"count": 10, "seed": 1, **changes}
    with pytest.raises(ValueError, match=rf"^{field}\b") as info:
        ScenarioParams(**values)  # type: ignore[arg-type]
    assert isinstance(info.value, ValidationError)
    assert isinstance(info.value, ScenarioParamsError) and info.value.field == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        (ScenarioParams(count=5, seed=1, incident_types=("nerve_agent",)), "incident_types"),
        (
            ScenarioParams(
                count=5, seed=1, levels=("regional",), sizes={"regional": ((1.0, 1.0),)}
            ),
            "levels",
        ),
        (
            ScenarioParams(count=5, seed=1, levels=("facility",), incident_types=("radiological",)),
            "incident_types",
        ),
    ],
)
def test_types_and_levels_the_data_lacks_are_refused_naming_the_field(
    params: ScenarioParams, field: str
) -> None:
    with pytest.raises(ScenarioParamsError, match=rf"^{field}\b") as info:
        sample_scenarios(DATA, params)
    assert info.value.field == field


def test_params_round_trip_through_a_json_dict() -> None:
    params = ScenarioParams(
        count=123,
        seed=2**40,
        levels=("national", "facility"),
        incident_types=("oil_spill_water",),
        place_radius_km=4.5,
        sizes={"national": ((1.0, 2.0), (3.0, 1.0)), "facility": ((0.5, 1.0),)},
    )
    stored = json.loads(json.dumps(params_dict(params)))
    assert params_from_dict(stored) == params
    assert params_from_dict({"count": 5, "seed": 9}) == ScenarioParams(count=5, seed=9)
    with pytest.raises(ScenarioParamsError, match=r"^colour"):
        params_from_dict({"count": 5, "seed": 9, "colour": 3})
    with pytest.raises(ScenarioParamsError, match=r"^seed"):
        params_from_dict({"count": 5})


def test_a_set_round_trips_through_json_and_a_tampered_one_is_refused() -> None:
    sampled = sample_scenarios(DATA, ScenarioParams(count=200, seed=9))
    text = to_json(sampled)
    assert from_json(text) == sampled
    assert all(s.source_name in text for s in sampled.scenarios)  # UTF-8, not \u escapes
    raw = json.loads(text)
    raw["scenarios"][0]["lines"][0]["quantity"] += 1
    with pytest.raises(ScenarioDataError, match="fingerprint"):
        from_json(json.dumps(raw))
    with pytest.raises(ValueError):
        from_json('{"format": "something-else"}')


def test_every_hazard_template_pair_has_one_likelihood_row_and_no_other() -> None:
    pairs = [(r["hazard_source"], r["template"]) for r in LIKELIHOODS]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == FITS


def test_likelihoods_are_positive_order_of_magnitude_classes_with_a_basis() -> None:
    for r in LIKELIHOODS:
        value = float(r["annual_likelihood"])
        assert value > 0, r
        assert math.log10(value) == round(math.log10(value)), r  # a class, not a measurement
        assert r["basis"].startswith("Planning assumption. "), r
        assert len(r["basis"]) > len("Planning assumption. ") + 20, r


def test_a_likelihood_file_that_misses_a_pair_is_refused(tmp_path: Path) -> None:
    for name in (
        "scenario_templates.csv",
        "hazard_sources.csv",
        "hazard_templates.csv",
        "provinces.csv",
        "depots.csv",
    ):
        shutil.copy(DATA / name, tmp_path / name)
    lines = (DATA / "hazard_likelihoods.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "hazard_likelihoods.csv").write_text("\n".join(lines[:-1]) + "\n", "utf-8")
    with pytest.raises(ScenarioDataError, match="no likelihood for P01"):
        sample_scenarios(tmp_path, ScenarioParams(count=5, seed=1))


def test_the_sphere_is_the_one_the_network_measures_on() -> None:
    assert EARTH_RADIUS_KM == geometry.EARTH_RADIUS_KM


def _point(source: str) -> tuple[float, float]:
    row = SOURCES[source]
    return float(row["lat"]), float(row["lon"])
