"""Incident scenarios for the stock-levels model, sampled from the hazard sources in data/.

A set answers "given that one such incident happens, which one is it": each scenario is a
(hazard source, template) pair drawn in proportion to its annual likelihood
(`data/hazard_likelihoods.csv`), a place near the source, a size, and the template's demand
scaled by that size. Every scenario has probability 1/count; `annual_rate` says how many such
incidents a year the likelihoods imply. The same data, params and place check give the same
set bit for bit, which `fingerprint` lets a regeneration prove. Pure apart from reading the
files of the `data_dir` it is given, which inventory/hazard_data.py reads and checks (no
database, no network package: see `PlaceCheck`)."""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import ValidationError

# `X as X` marks a re-export: callers import these from here, as before the data side moved.
from .hazard_data import EARTH_RADIUS_KM as EARTH_RADIUS_KM
from .hazard_data import HazardPair as HazardPair
from .hazard_data import HazardSource, load_hazard_data
from .hazard_data import ScenarioDataError as ScenarioDataError
from .hazard_data import load_hazard_pairs as load_hazard_pairs

#: The most scenarios one set may hold.
MAX_SCENARIOS = 20_000
#: The largest size an incident may have (the same limit as a declared incident's `size`).
MAX_SIZE = 20.0
#: A place is sampled "near" its source: this far at most.
MAX_PLACE_RADIUS_KM = 100.0
#: Places a `PlaceCheck` may refuse before the scenario falls back to the source's own point.
MAX_PLACE_TRIES = 32
#: Decimals kept of a sampled place (~0.1 m): libm differences stay out of the fingerprint.
COORD_DECIMALS = 6
FORMAT = "chemdepot-scenarios/1"

#: (size, weight) pairs; weights are relative and need not sum to 1.
SizeDistribution = tuple[tuple[float, float], ...]
#: Planning assumption (data/README.md, "hazard_likelihoods.csv"): size 1 is the template as
#: written, the typical incident of its level; within a level incidents run from half to a few
#: times that, and the national level has the longest tail.
DEFAULT_SIZES: Mapping[str, SizeDistribution] = MappingProxyType(
    {
        "facility": ((0.5, 0.3), (1.0, 0.5), (2.0, 0.2)),
        "provincial": ((0.5, 0.2), (1.0, 0.5), (2.0, 0.25), (3.0, 0.05)),
        "national": ((1.0, 0.5), (2.0, 0.35), (4.0, 0.15)),
    }
)

#: (lat, lon, incident_type) -> whether an incident may be placed there, e.g. inside Vietnam
#: within the coast tolerance (the network package's territory, which inventory cannot use).
#: It must be deterministic: the fingerprint holds only for the same check.
PlaceCheck = Callable[[float, float, str], bool]


class ScenarioParamsError(ValidationError, ValueError):
    """Parameters a scenario set cannot be sampled with; `field` names the offending one (a
    ValidationError, so the API answers it as any other invalid input)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}", field=field)


@dataclass(frozen=True)
class ScenarioLine:
    item: str
    quantity: int
    required_by_h: float
    priority: int


@dataclass(frozen=True)
class SampledScenario:
    id: str
    source: str
    source_name: str
    incident_type: str
    level: str
    template: str
    size: float
    lat: float
    lon: float
    #: the source's province and zone; the caller's snap may find the place across a border
    province_code: str
    zone: str
    probability: float
    lines: tuple[ScenarioLine, ...]


_SCENARIO_FIELDS = tuple(n for n in SampledScenario.__dataclass_fields__ if n != "lines")


@dataclass(frozen=True)
class ScenarioParams:
    count: int
    seed: int
    levels: tuple[str, ...] = ("provincial", "national")
    #: empty: every incident type
    incident_types: tuple[str, ...] = ()
    place_radius_km: float = 9.0
    #: level -> size distribution; every level in `levels` needs one
    sizes: Mapping[str, SizeDistribution] = field(default_factory=lambda: DEFAULT_SIZES, hash=False)

    def __post_init__(self) -> None:
        _check_int("count", self.count, 1, MAX_SCENARIOS)
        _check_int("seed", self.seed, 0, 2**63 - 1)
        radius = self.place_radius_km
        if isinstance(radius, bool) or not isinstance(radius, int | float):
            raise ScenarioParamsError("place_radius_km", f"must be a number, got {radius!r}")
        if not (math.isfinite(radius) and 0 <= radius <= MAX_PLACE_RADIUS_KM):
            raise ScenarioParamsError(
                "place_radius_km", f"must be between 0 and {MAX_PLACE_RADIUS_KM:g} km, got {radius}"
            )
        object.__setattr__(self, "place_radius_km", float(radius))
        object.__setattr__(self, "sizes", _frozen_sizes(self.sizes))
        object.__setattr__(self, "levels", _names("levels", self.levels, required=True))
        object.__setattr__(
            self, "incident_types", _names("incident_types", self.incident_types, required=False)
        )
        unsized = [level for level in self.levels if level not in self.sizes]
        if unsized:
            raise ScenarioParamsError(
                "levels",
                f"names {unsized[0]!r}, which has no size distribution in sizes "
                f"(levels with one: {', '.join(self.sizes)})",
            )


@dataclass(frozen=True)
class ScenarioSet:
    params: ScenarioParams
    scenarios: tuple[SampledScenario, ...]
    #: sha256 (hex) of the canonical serialisation (`to_json` without the fingerprint)
    fingerprint: str
    #: expected incidents a year over the eligible (source, template) pairs
    annual_rate: float


def sample_scenarios(
    data_dir: Path, params: ScenarioParams, *, accept_place: PlaceCheck | None = None
) -> ScenarioSet:
    """Draw `params.count` scenarios from the eligible pairs, each in proportion to its annual
    likelihood. `accept_place` may refuse a sampled place (up to MAX_PLACE_TRIES times, then
    the source's own point is used); without it places are only within the radius."""
    data = load_hazard_data(data_dir)
    pairs = _eligible(data.pairs, params)
    rng = random.Random(params.seed)
    cumulative = list(accumulate(p.annual_likelihood for p in pairs))
    probability = 1.0 / params.count
    scenarios = []
    for n in range(params.count):
        pair = rng.choices(pairs, cum_weights=cumulative)[0]
        source = data.sources[pair.source]
        lat, lon = _place(rng, source, params.place_radius_km, pair.incident_type, accept_place)
        sizes = params.sizes[pair.level]
        size = rng.choices([s for s, _ in sizes], weights=[w for _, w in sizes])[0]
        scenarios.append(
            SampledScenario(
                id=f"S{n + 1:05d}",
                source=source.id,
                source_name=source.name,
                incident_type=pair.incident_type,
                level=pair.level,
                template=pair.template,
                size=size,
                lat=lat,
                lon=lon,
                province_code=source.province_code,
                zone=data.zones[source.province_code],
                probability=probability,
                lines=tuple(
                    ScenarioLine(item, scaled_quantity(qty, size), due, prio)
                    for item, qty, due, prio in data.lines[pair.template]
                ),
            )
        )
    rate = math.fsum(p.annual_likelihood for p in pairs)
    done = tuple(scenarios)
    return ScenarioSet(params, done, _fingerprint(params, done, rate), rate)


def scaled_quantity(quantity: int, size: float) -> int:
    """A template line's quantity for an incident of `size`: rounded up, at least 1."""
    return max(1, math.ceil(quantity * size))


def params_dict(params: ScenarioParams) -> dict[str, Any]:
    """The parameters as plain JSON values, for storage beside the fingerprint."""
    return {
        "count": params.count,
        "seed": params.seed,
        "levels": list(params.levels),
        "incident_types": list(params.incident_types),
        "place_radius_km": params.place_radius_km,
        "sizes": {level: [list(pair) for pair in dist] for level, dist in params.sizes.items()},
    }


def params_from_dict(values: Mapping[str, Any]) -> ScenarioParams:
    """The inverse of `params_dict`; absent optional keys take their defaults."""
    unknown = set(values) - set(ScenarioParams.__dataclass_fields__)
    if unknown:
        name = sorted(unknown)[0]
        raise ScenarioParamsError(name, "is not a scenario parameter")
    for name in ("count", "seed"):
        if name not in values:
            raise ScenarioParamsError(name, "is required")
    given: dict[str, Any] = dict(values)
    for name in ("levels", "incident_types"):
        if name in given:
            given[name] = _sequence(name, given[name])
    if "sizes" in given:
        sizes = given["sizes"]
        if not isinstance(sizes, Mapping):
            raise ScenarioParamsError("sizes", "must map each level to [size, weight] pairs")
        given["sizes"] = {
            level: tuple(tuple(pair) for pair in _sequence(f"sizes.{level}", dist))
            for level, dist in sizes.items()
        }
    return ScenarioParams(**given)


def to_json(scenario_set: ScenarioSet) -> str:
    """The canonical serialisation: sorted keys, no spaces, UTF-8 names as they are."""
    body = _body(scenario_set.params, scenario_set.scenarios, scenario_set.annual_rate)
    return _canonical({**body, "fingerprint": scenario_set.fingerprint})


def from_json(text: str) -> ScenarioSet:
    """Read `to_json`'s output back, refusing text whose fingerprint does not match it."""
    try:
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ScenarioDataError(f"not a {FORMAT} document")
        params = params_from_dict(raw["params"])
        scenarios = tuple(_scenario(s) for s in raw["scenarios"])
        rate = float(raw["annual_rate"])
        stored = str(raw["fingerprint"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise ScenarioDataError(f"malformed scenario set: {exc!r}") from exc
    if _fingerprint(params, scenarios, rate) != stored:
        raise ScenarioDataError("the scenario set does not match its fingerprint")
    return ScenarioSet(params, scenarios, stored, rate)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioParamsError(name, f"must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ScenarioParamsError(name, f"must be between {low} and {high}, got {value}")


def _sequence(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ScenarioParamsError(name, f"must be a list, got {value!r}")
    return tuple(value)


def _names(name: str, values: object, *, required: bool) -> tuple[str, ...]:
    names = _sequence(name, values)
    if required and not names:
        raise ScenarioParamsError(name, "must name at least one")
    if not all(isinstance(v, str) and v for v in names):
        raise ScenarioParamsError(name, f"must be non-empty names, got {list(names)!r}")
    if len(set(names)) != len(names):
        raise ScenarioParamsError(name, f"names one twice: {list(names)!r}")
    return names


def _frozen_sizes(sizes: object) -> Mapping[str, SizeDistribution]:
    if not isinstance(sizes, Mapping):
        raise ScenarioParamsError("sizes", "must map each level to (size, weight) pairs")
    out: dict[str, SizeDistribution] = {}
    for level, dist in sizes.items():
        where = f"sizes.{level}"
        pairs = _sequence(where, dist)
        if not pairs:
            raise ScenarioParamsError(where, "needs at least one (size, weight) pair")
        clean = []
        for pair in pairs:
            size, weight = _number_pair(where, pair)
            if not 0 < size <= MAX_SIZE:
                raise ScenarioParamsError(where, f"size must be in (0, {MAX_SIZE:g}], got {size}")
            if not (math.isfinite(weight) and weight > 0):
                raise ScenarioParamsError(where, f"weight must be > 0, got {weight}")
            clean.append((size, weight))
        if len({s for s, _ in clean}) != len(clean):
            raise ScenarioParamsError(where, "gives a size twice")
        out[str(level)] = tuple(clean)
    return MappingProxyType(out)


def _number_pair(where: str, pair: object) -> tuple[float, float]:
    values = _sequence(where, pair)
    if len(values) != 2 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise ScenarioParamsError(where, f"needs (size, weight) number pairs, got {pair!r}")
    return float(values[0]), float(values[1])


def _eligible(pairs: tuple[HazardPair, ...], params: ScenarioParams) -> list[HazardPair]:
    known_levels = {p.level for p in pairs}
    known_types = {p.incident_type for p in pairs}
    for name, wanted, known in (
        ("levels", params.levels, known_levels),
        ("incident_types", params.incident_types, known_types),
    ):
        unknown = [v for v in wanted if v not in known]
        if unknown:
            raise ScenarioParamsError(
                name, f"names unknown {unknown[0]!r}; the data has {', '.join(sorted(known))}"
            )
    types = set(params.incident_types or known_types)
    out = [p for p in pairs if p.level in params.levels and p.incident_type in types]
    if not out:
        raise ScenarioParamsError(
            "incident_types",
            f"fit no hazard source: none can cause {', '.join(sorted(types))} at level "
            f"{', '.join(params.levels)}",
        )
    return out


def _place(
    rng: random.Random,
    source: HazardSource,
    radius_km: float,
    incident_type: str,
    accept: PlaceCheck | None,
) -> tuple[float, float]:
    """Uniform by area within the radius (on the local plane: the cap is a few km across)."""
    for _ in range(MAX_PLACE_TRIES):
        distance = radius_km * math.sqrt(rng.random())
        bearing = 2 * math.pi * rng.random()
        lat, lon = _destination(source.lat, source.lon, distance, bearing)
        if accept is None or accept(lat, lon, incident_type):
            return lat, lon
    return source.lat, source.lon


def _destination(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """The point `km` along the great circle leaving (lat, lon) at `bearing` (radians)."""
    delta = km / EARTH_RADIUS_KM
    phi1, lam1 = math.radians(lat), math.radians(lon)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(
        bearing
    )
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lam2 = lam1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    return (
        round(math.degrees(phi2), COORD_DECIMALS),
        round(math.degrees(lam2), COORD_DECIMALS),
    )


def _scenario(raw: Mapping[str, Any]) -> SampledScenario:
    lines = tuple(ScenarioLine(**line) for line in raw["lines"])
    return SampledScenario(**{**raw, "lines": lines})


def _scenario_dict(s: SampledScenario) -> dict[str, Any]:
    """`dataclasses.asdict` without its deep copies, which take most of the sampling time."""
    out = {name: getattr(s, name) for name in _SCENARIO_FIELDS}
    out["lines"] = [
        {
            "item": x.item,
            "quantity": x.quantity,
            "required_by_h": x.required_by_h,
            "priority": x.priority,
        }
        for x in s.lines
    ]
    return out


def _body(
    params: ScenarioParams, scenarios: tuple[SampledScenario, ...], rate: float
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "params": params_dict(params),
        "annual_rate": rate,
        "scenarios": [_scenario_dict(s) for s in scenarios],
    }


def _canonical(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _fingerprint(
    params: ScenarioParams, scenarios: tuple[SampledScenario, ...], rate: float
) -> str:
    text = _canonical(_body(params, scenarios, rate))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
