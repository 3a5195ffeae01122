"""The scenario templates fit the hazards they are for (data/scenario_templates.csv,
data/hazard_templates.csv, data/README.md "Scenario templates: line by line")."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import get_args

import pytest

from api.dispatch_schemas import IncidentType
from api.settings import Settings
from network.geometry import haversine_km

DATA = Path(__file__).resolve().parents[2] / "data"

#: Antidotes for nerve agents (organophosphates): no use against any industrial chemical.
NERVE_AGENT_ONLY = {"MED-ATRO", "MED-DIAZ"}
CHLORINE_KITS = {"LKC-CL-A", "LKC-CL-B", "LKC-CL-C"}
LEAK_SEALING_KITS = CHLORINE_KITS | {"LKC-UNIV"}
#: Alkalis that absorb chlorine and neutralise the acids of the chlor-alkali plants.
ALKALI_NEUTRALISERS = {"DEC-SODA", "DEC-LIME", "DEC-NAOH"}
NEAREST_DEPOTS = 5


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


TEMPLATE_ROWS = _rows("scenario_templates.csv")
ITEMS = {r["code"]: r for r in _rows("items.csv")}
HAZARDS = {r["id"]: r for r in _rows("hazard_sources.csv")}
FITS = _rows("hazard_templates.csv")


def _templates() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in TEMPLATE_ROWS:
        out[row["template"]].append(row)
    return dict(out)


TEMPLATES = _templates()


def _items_of(template: str) -> set[str]:
    return {row["item"] for row in TEMPLATES[template]}


def _chlorine_sources() -> set[str]:
    return {h for h, row in HAZARDS.items() if "chlorine" in row["key_substances"].lower()}


def test_every_template_row_names_its_type_level_and_a_sensible_line() -> None:
    levels = Settings.model_fields["incident_levels"].default
    types = set(get_args(IncidentType))
    seen: set[tuple[str, str]] = set()
    for row in TEMPLATE_ROWS:
        parts = row["template"].split(".")
        assert parts[0] == row["incident_type"] and parts[-1] == row["level"], row
        assert len(parts) in (2, 3), row
        assert row["incident_type"] in types and row["level"] in levels, row
        assert int(row["quantity"]) > 0, row
        assert float(row["required_by_h"]) > 0, row
        assert 1 <= int(row["priority"]) <= 5, row
        assert (row["template"], row["item"]) not in seen, f"{row['item']} twice in {row}"
        seen.add((row["template"], row["item"]))


def test_every_template_item_exists_in_the_catalogue() -> None:
    unknown = {(r["template"], r["item"]) for r in TEMPLATE_ROWS if r["item"] not in ITEMS}
    assert unknown == set()


@pytest.mark.parametrize("incident_type", ["toxic_gas", "chemical_release"])
def test_no_toxic_gas_or_chemical_release_template_asks_for_a_nerve_agent_antidote(
    incident_type: str,
) -> None:
    wrong = {
        (r["template"], r["item"])
        for r in TEMPLATE_ROWS
        if r["incident_type"] == incident_type
        and "nerve" not in r["template"]
        and r["item"] in NERVE_AGENT_ONLY
    }
    assert wrong == set()


def test_every_hazard_source_has_at_least_one_fitting_template() -> None:
    fitted = {r["hazard_source"] for r in FITS}
    assert set(HAZARDS) - fitted == set()


def test_the_hazard_template_mapping_names_only_known_sources_and_templates_once() -> None:
    pairs = [(r["hazard_source"], r["template"]) for r in FITS]
    assert len(pairs) == len(set(pairs))
    assert {h for h, _ in pairs} <= set(HAZARDS)
    assert {t for _, t in pairs} <= set(TEMPLATES)
    assert all(r["why"].strip() for r in FITS)


def test_every_template_fits_at_least_one_hazard_source() -> None:
    assert set(TEMPLATES) - {r["template"] for r in FITS} == set()


def test_every_template_that_serves_a_chlorine_plant_has_a_leak_sealing_kit_and_an_alkali() -> None:
    chlorine = _chlorine_sources()
    assert chlorine, "no hazard source lists chlorine"
    serving = {r["template"] for r in FITS if r["hazard_source"] in chlorine}
    assert serving
    for template in sorted(serving):
        items = _items_of(template)
        assert items & LEAK_SEALING_KITS, f"{template} has no leak-sealing kit"
        assert items & ALKALI_NEUTRALISERS, f"{template} has no alkali neutraliser"


def test_the_default_toxic_gas_templates_bring_chlorine_institute_kits_and_an_absorbent() -> None:
    for level in Settings.model_fields["incident_levels"].default:
        items = _items_of(f"toxic_gas.{level}")
        assert items & CHLORINE_KITS, level
        assert items & ALKALI_NEUTRALISERS, level


def test_the_ammonia_variant_brings_no_chlorine_kit_and_no_alkali() -> None:
    ammonia = [t for t in TEMPLATES if t.startswith("toxic_gas.ammonia.")]
    assert len(ammonia) == 3
    for template in ammonia:
        assert _items_of(template) & (CHLORINE_KITS | ALKALI_NEUTRALISERS) == set(), template


def test_chlorine_sources_get_the_chlorine_templates_and_ammonia_sources_the_ammonia_ones() -> None:
    for row in FITS:
        if not row["template"].startswith("toxic_gas."):
            continue
        chlorine = row["hazard_source"] in _chlorine_sources()
        assert row["template"].startswith("toxic_gas.ammonia.") != chlorine, row


def test_no_template_for_a_lost_sealed_source_asks_for_potassium_iodide() -> None:
    lost = {h for h, r in HAZARDS.items() if "orphan source" in r["hazard_type"]}
    assert lost
    for row in FITS:
        if row["hazard_source"] in lost:
            assert "MED-KI" not in _items_of(row["template"]), row


def _usable_stock() -> dict[tuple[str, str], int]:
    """Serviceable, unexpired, calibrated units per (depot, item) at the seed date."""
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for r in _rows("opening_stock.csv"):
        expiry, calib = r["expiry_offset_days"], r["calibration_due_offset_days"]
        if r["condition"] != "serviceable" or (expiry and int(expiry) <= 0):
            continue
        if calib and int(calib) < 0:
            continue
        stock[r["depot"], r["item"]] += int(r["quantity"])
    return stock


def test_every_template_line_can_be_met_from_the_depots_nearest_each_source_it_fits() -> None:
    """The five depots nearest as the crow flies, all their usable stock (a national
    incident may break into reserve floors); the road check is in data/README.md."""
    stock = _usable_stock()
    depots = [(r["code"], (float(r["lat"]), float(r["lon"]))) for r in _rows("depots.csv")]
    short = []
    for fit in FITS:
        hazard = HAZARDS[fit["hazard_source"]]
        where = (float(hazard["lat"]), float(hazard["lon"]))
        near = sorted(depots, key=lambda d: haversine_km(where, d[1]))[:NEAREST_DEPOTS]
        for line in TEMPLATES[fit["template"]]:
            have = sum(stock[code, line["item"]] for code, _ in near)
            if have < int(line["quantity"]):
                short.append((fit["template"], fit["hazard_source"], line["item"], have))
    assert short == []
