"""The prepositioning exchange format (`chemdepot-prepositioning/1`, see
`docs/prepositioning-format.md`): parsed JSON in, a validated `LevelsProblem` out, and
one result object per solver run back out. Pure: the caller reads and writes the files.

Every refusal names the JSON path of the offending value (`scenarios[3].probability`), so a
study's file can be mended without reading this code. Unknown keys are refused as well: the
format is versioned, and a misspelt optional field (`holding_cots`) would otherwise be
silently read as its default."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InvalidProblemError
from .levels_model import (
    PROBABILITY_SLACK,
    LevelDemand,
    LevelDepot,
    LevelItem,
    LevelScenario,
    LevelsProblem,
    LevelsResult,
)

FORMAT = "chemdepot-prepositioning/1"
#: The JSON path of the whole document, for errors that concern no one field.
ROOT = "$"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class PrepositioningError(InvalidProblemError):
    """A file that is not a valid prepositioning instance; `field` is the JSON path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def read_prepositioning(data: Any, *, default_name: str = "prepositioning") -> LevelsProblem:
    """The problem a parsed `chemdepot-prepositioning/1` document describes.

    Every demand line gets weight 1 and no due time: the format has no times, so shipping
    cost is the whole second-stage cost besides unmet demand."""
    # The format first: another version's fields are not this one's to judge.
    if isinstance(data, dict) and "format" in data and data["format"] != FORMAT:
        raise PrepositioningError("format", f"must be {FORMAT!r}, got {data['format']!r}")
    top = _object(
        data,
        ROOT,
        required=("format", "items", "depots", "sites", "ship_cost", "scenarios"),
        optional=("name", "budget", "integer_levels"),
    )
    items = _items(top["items"])
    item_ids = {i.id for i in items}
    depots = _depots(top["depots"], item_ids)
    depot_ids = {d.id for d in depots}
    sites = _sites(top["sites"])
    ship_cost = _ship_costs(top["ship_cost"], depot_ids, set(sites))
    scenarios = _scenarios(top["scenarios"], item_ids, set(sites), depot_ids)
    name = default_name if top.get("name") is None else _string(top["name"], "name")
    integer = top.get("integer_levels")
    if integer is not None and not isinstance(integer, bool):
        raise PrepositioningError("integer_levels", f"must be true or false, got {_kind(integer)}")
    budget = _optional_number(top.get("budget"), "budget")
    try:
        return LevelsProblem(
            items=items,
            depots=depots,
            sites=sites,
            ship_cost=ship_cost,
            scenarios=scenarios,
            budget=budget,
            integer_levels=bool(integer),
            name=name,
        )
    except InvalidProblemError as exc:  # the checks above should leave nothing for these
        raise PrepositioningError(ROOT, str(exc)) from exc


def result_record(instance: str, solver: str, result: LevelsResult) -> dict[str, Any]:
    """One object of the format's result array; a missing figure (an infinite bound, no
    objective after an error) is null, since JSON has no NaN or infinity."""
    return {
        "instance": instance,
        "solver": solver,
        "objective": _finite_or_none(result.objective),
        "bound": _finite_or_none(result.bound),
        "gap": _finite_or_none(result.gap),
        "wall_s": round(result.wall_s, 3),
        "status": result.status,
        "levels": [
            {"depot": level.depot, "item": level.item, "quantity": level.quantity}
            for level in result.levels
        ],
    }


def _items(value: Any) -> tuple[LevelItem, ...]:
    out = []
    seen: set[str] = set()
    for path, raw in _entries(value, "items"):
        obj = _object(
            raw,
            path,
            required=("id", "unit_cost", "volume", "unmet_penalty"),
            optional=("holding_cost",),
        )
        item_id = _unique_id(obj["id"], f"{path}.id", seen, "item")
        out.append(
            LevelItem(
                id=item_id,
                unit_cost=_number(obj["unit_cost"], f"{path}.unit_cost"),
                unmet_penalty=_number(obj["unmet_penalty"], f"{path}.unmet_penalty"),
                volume=_number(obj["volume"], f"{path}.volume"),
                holding_cost=_optional_number(obj.get("holding_cost"), f"{path}.holding_cost")
                or 0.0,
            )
        )
    return tuple(out)


def _depots(value: Any, item_ids: set[str]) -> tuple[LevelDepot, ...]:
    out = []
    seen: set[str] = set()
    for path, raw in _entries(value, "depots"):
        obj = _object(raw, path, required=("id",), optional=("capacity_volume", "max_level"))
        depot_id = _unique_id(obj["id"], f"{path}.id", seen, "depot")
        max_level = _number_map(obj.get("max_level"), f"{path}.max_level", item_ids, "item")
        out.append(
            LevelDepot(
                id=depot_id,
                capacity_volume=_optional_number(
                    obj.get("capacity_volume"), f"{path}.capacity_volume"
                ),
                max_level=max_level,
            )
        )
    return tuple(out)


def _sites(value: Any) -> tuple[str, ...]:
    seen: set[str] = set()
    return tuple(_unique_id(raw, path, seen, "site") for path, raw in _entries(value, "sites"))


def _ship_costs(
    value: Any, depot_ids: set[str], site_ids: set[str]
) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for path, raw in _entries(value, "ship_cost", allow_empty=True):
        obj = _object(raw, path, required=("depot", "site", "cost"))
        depot = _reference(obj["depot"], f"{path}.depot", depot_ids, "depot")
        site = _reference(obj["site"], f"{path}.site", site_ids, "site")
        if (depot, site) in out:
            raise PrepositioningError(path, f"a second cost for depot {depot} to site {site}")
        out[depot, site] = _number(obj["cost"], f"{path}.cost")
    return out


def _scenarios(
    value: Any, item_ids: set[str], site_ids: set[str], depot_ids: set[str]
) -> tuple[LevelScenario, ...]:
    out = []
    seen: set[str] = set()
    total = 0.0
    for path, raw in _entries(value, "scenarios"):
        obj = _object(raw, path, required=("id", "probability", "demand"), optional=("depot_loss",))
        scenario_id = _unique_id(obj["id"], f"{path}.id", seen, "scenario")
        probability = _number(obj["probability"], f"{path}.probability")
        if probability <= 0:
            raise PrepositioningError(f"{path}.probability", f"must be > 0, got {probability:g}")
        total += probability
        if total > 1 + PROBABILITY_SLACK:
            raise PrepositioningError(
                f"{path}.probability",
                f"probabilities sum to {total:.6g} up to this scenario, over 1",
            )
        demand = tuple(
            _demand_line(line, line_path, item_ids, site_ids)
            for line_path, line in _entries(obj["demand"], f"{path}.demand", allow_empty=True)
        )
        loss = _number_map(obj.get("depot_loss"), f"{path}.depot_loss", depot_ids, "depot")
        for depot, share in loss.items():
            if share > 1:
                raise PrepositioningError(
                    _key_path(f"{path}.depot_loss", depot), f"must be in 0..1, got {share:g}"
                )
        out.append(LevelScenario(scenario_id, probability, demand, depot_loss=loss))
    return tuple(out)


def _demand_line(raw: Any, path: str, item_ids: set[str], site_ids: set[str]) -> LevelDemand:
    obj = _object(raw, path, required=("site", "item", "quantity"))
    return LevelDemand(
        site=_reference(obj["site"], f"{path}.site", site_ids, "site"),
        item=_reference(obj["item"], f"{path}.item", item_ids, "item"),
        quantity=_number(obj["quantity"], f"{path}.quantity"),
    )


def _object(
    value: Any, path: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PrepositioningError(path, f"must be an object, got {_kind(value)}")
    for key in required:
        if key not in value:
            raise PrepositioningError(_key_path(path, key), "is required")
    unknown = sorted(str(k) for k in set(value) - set(required) - set(optional))
    if unknown:
        raise PrepositioningError(_key_path(path, unknown[0]), f"is not a field of {FORMAT} here")
    return value


def _entries(value: Any, path: str, *, allow_empty: bool = False) -> list[tuple[str, Any]]:
    if not isinstance(value, list):
        raise PrepositioningError(path, f"must be an array, got {_kind(value)}")
    if not value and not allow_empty:
        raise PrepositioningError(path, "must not be empty")
    return [(f"{path}[{i}]", entry) for i, entry in enumerate(value)]


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise PrepositioningError(path, f"must be a non-empty string, got {_kind(value)}")
    return value


def _unique_id(value: Any, path: str, seen: set[str], what: str) -> str:
    ident = _string(value, path)
    if ident in seen:
        raise PrepositioningError(path, f"{what} id {ident!r} appears twice")
    seen.add(ident)
    return ident


def _reference(value: Any, path: str, known: set[str], what: str) -> str:
    ident = _string(value, path)
    if ident not in known:
        raise PrepositioningError(path, f"names unknown {what} {ident!r}")
    return ident


def _number_map(value: Any, path: str, known: set[str], what: str) -> dict[str, float]:
    """An object from ids to non-negative numbers; absent or null is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PrepositioningError(path, f"must be an object, got {_kind(value)}")
    out: dict[str, float] = {}
    for key, raw in value.items():
        key_path = _key_path(path, key)
        if key not in known:
            raise PrepositioningError(key_path, f"names unknown {what} {key!r}")
        out[key] = _number(raw, key_path)
    return out


def _optional_number(value: Any, path: str) -> float | None:
    """A finite number >= 0, or None for an absent or null field."""
    return None if value is None else _number(value, path)


def _number(value: Any, path: str) -> float:
    """A finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PrepositioningError(path, f"must be a number, got {_kind(value)}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise PrepositioningError(path, f"must be a finite number >= 0, got {value}")
    return number


def _key_path(path: str, key: str) -> str:
    if path == ROOT:
        return key
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{json.dumps(key)}]"


def _kind(value: Any) -> str:
    names = {bool: "a boolean", str: "a string", list: "an array", dict: "an object"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"the number {value}"
    return names.get(type(value), type(value).__name__)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
