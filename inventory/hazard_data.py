"""The data/ files a scenario set is sampled from, read and checked against each other.

Hazard sources, the templates each can cause and their annual likelihoods, the templates' demand
lines, and a zone for every province. Kept apart from the sampler (inventory/scenarios.py) so
that a contradiction in the files is found in one place, before any scenario is drawn; pure
apart from reading the files of the `data_dir` it is given."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The sphere network.geometry measures on (inventory may not import network).
EARTH_RADIUS_KM = 6371.0088

#: A template's demand lines: (item, quantity, required_by_h, priority).
TemplateLine = tuple[str, int, float, int]


class ScenarioDataError(ValueError):
    """The data files contradict each other, or a stored set does not match its fingerprint."""


@dataclass(frozen=True)
class HazardPair:
    """A template a hazard source can cause, with its annual likelihood (events per year)."""

    source: str
    template: str
    incident_type: str
    level: str
    annual_likelihood: float


@dataclass(frozen=True)
class HazardSource:
    id: str
    name: str
    lat: float
    lon: float
    province_code: str


@dataclass(frozen=True)
class HazardData:
    """Everything the sampler needs, checked: every pair's source and template exist, and every
    source's province has a zone."""

    pairs: tuple[HazardPair, ...]
    sources: Mapping[str, HazardSource]
    zones: Mapping[str, str]
    lines: Mapping[str, tuple[TemplateLine, ...]]


def load_hazard_pairs(data_dir: Path) -> tuple[HazardPair, ...]:
    """Every (hazard source, template) pair with its likelihood, in hazard_templates.csv's
    order, after checking that the files agree with each other."""
    return load_hazard_data(data_dir).pairs


def load_hazard_data(data_dir: Path) -> HazardData:
    """Read the six files the sampler uses; ScenarioDataError if they disagree."""
    lines: dict[str, list[TemplateLine]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for r in _rows(data_dir / "scenario_templates.csv"):
        kinds[r["template"]] = (r["incident_type"], r["level"])
        lines.setdefault(r["template"], []).append(
            (r["item"], int(r["quantity"]), float(r["required_by_h"]), int(r["priority"]))
        )
    sources = {
        r["id"]: HazardSource(
            r["id"], r["name_vi"], float(r["lat"]), float(r["lon"]), r["province_code"]
        )
        for r in _rows(data_dir / "hazard_sources.csv")
    }
    fits = [(r["hazard_source"], r["template"]) for r in _rows(data_dir / "hazard_templates.csv")]
    rated = _rows(data_dir / "hazard_likelihoods.csv")
    likelihoods = {(r["hazard_source"], r["template"]): r["annual_likelihood"] for r in rated}
    if len(likelihoods) != len(rated):
        raise ScenarioDataError("hazard_likelihoods.csv gives a pair twice")
    _check_pairs(fits, likelihoods, sources, kinds)
    pairs = tuple(HazardPair(s, t, *kinds[t], float(likelihoods[(s, t)])) for s, t in fits)
    zones = _zones(data_dir)
    missing = sorted({s.province_code for s in sources.values()} - set(zones))
    if missing:
        raise ScenarioDataError(f"hazard sources in unknown provinces {missing}")
    return HazardData(pairs, sources, zones, {t: tuple(rows) for t, rows in lines.items()})


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _check_pairs(
    fits: list[tuple[str, str]],
    likelihoods: Mapping[tuple[str, str], str],
    sources: Mapping[str, HazardSource],
    kinds: Mapping[str, tuple[str, str]],
) -> None:
    listed = set(fits)
    problems = [f"no likelihood for {s} {t}" for s, t in fits if (s, t) not in likelihoods]
    problems += [
        f"likelihood for {s} {t}, which hazard_templates.csv does not list"
        for s, t in likelihoods
        if (s, t) not in listed
    ]
    problems += [f"unknown hazard source {s}" for s, _ in fits if s not in sources]
    problems += [f"unknown template {t}" for _, t in fits if t not in kinds]
    for (s, t), value in likelihoods.items():
        try:
            ok = math.isfinite(float(value)) and float(value) > 0
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"annual_likelihood of {s} {t} is {value!r}, not a number > 0")
    if len(listed) != len(fits):
        problems.append("hazard_templates.csv lists a pair twice")
    if problems:
        raise ScenarioDataError("; ".join(problems[:5]))


def _zones(data_dir: Path) -> dict[str, str]:
    """Each province's zone: that of its depot nearest to its admin centre, or, where it has
    no depot, of the nearest depot anywhere (the depots' zones are the only zone map)."""
    depots = [
        (r["province_code"], r["zone"], (float(r["lat"]), float(r["lon"])))
        for r in _rows(data_dir / "depots.csv")
    ]
    if not depots:
        raise ScenarioDataError("depots.csv holds no depot, so no zone is known")
    out = {}
    for r in _rows(data_dir / "provinces.csv"):
        centre = (float(r["centre_lat"]), float(r["centre_lon"]))
        own = [d for d in depots if d[0] == r["code"]] or depots
        out[r["code"]] = min(own, key=lambda d: _haversine_km(d[2], centre))[1]
    return out


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
