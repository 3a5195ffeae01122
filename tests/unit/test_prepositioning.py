"""The prepositioning exchange format: what a file means, and that every refusal names the
JSON path of the value to mend."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from optimizer.errors import InvalidProblemError
from optimizer.levels_model import Level, LevelsResult
from optimizer.prepositioning import (
    FORMAT,
    PrepositioningError,
    read_prepositioning,
    result_record,
)


def example() -> dict[str, Any]:
    """The format document's example, grown to two of everything so references can miss."""
    return {
        "format": FORMAT,
        "name": "example",
        "items": [
            {"id": "KIT", "unit_cost": 1.0, "holding_cost": 0.0, "volume": 0.05,
             "unmet_penalty": 1000.0},
            {"id": "SCBA", "unit_cost": 40, "volume": 0.2, "unmet_penalty": 5000},
        ],
        "depots": [
            {"id": "D1", "capacity_volume": 400.0, "max_level": {"KIT": 5000}},
            {"id": "D2"},
        ],
        "budget": 10000.0,
        "integer_levels": False,
        "sites": ["S1", "S2"],
        "ship_cost": [
            {"depot": "D1", "site": "S1", "cost": 12.5},
            {"depot": "D2", "site": "S1", "cost": 3},
            {"depot": "D2", "site": "S2", "cost": 7.25},
        ],
        "scenarios": [
            {"id": "s1", "probability": 0.02,
             "demand": [{"site": "S1", "item": "KIT", "quantity": 40}],
             "depot_loss": {"D1": 0.5}},
            {"id": "s2", "probability": 0.5,
             "demand": [{"site": "S2", "item": "SCBA", "quantity": 3},
                        {"site": "S1", "item": "KIT", "quantity": 2.5}]},
        ],
    }  # fmt: skip


def refused(data: Any) -> PrepositioningError:
    with pytest.raises(PrepositioningError) as caught:
        read_prepositioning(data)
    return caught.value


def test_reading_the_example_gives_its_items_depots_routes_and_scenarios() -> None:
    problem = read_prepositioning(example())

    assert problem.name == "example"
    assert [i.id for i in problem.items] == ["KIT", "SCBA"]
    assert problem.items[1].unit_cost == 40.0
    assert problem.items[1].unmet_penalty == 5000.0
    assert problem.items[0].volume == 0.05
    assert problem.depots[0].capacity_volume == 400.0
    assert dict(problem.depots[0].max_level) == {"KIT": 5000.0}
    assert problem.budget == 10000.0
    assert problem.integer_levels is False
    assert problem.sites == ("S1", "S2")
    assert dict(problem.ship_cost) == {("D1", "S1"): 12.5, ("D2", "S1"): 3.0, ("D2", "S2"): 7.25}
    assert [s.probability for s in problem.scenarios] == [0.02, 0.5]
    assert dict(problem.scenarios[0].depot_loss) == {"D1": 0.5}
    assert [(d.site, d.item, d.quantity) for d in problem.scenarios[1].demand] == [
        ("S2", "SCBA", 3.0),
        ("S1", "KIT", 2.5),
    ]


def test_every_demand_line_weighs_one_and_has_no_due_time() -> None:
    problem = read_prepositioning(example())

    lines = [line for s in problem.scenarios for line in s.demand]
    assert all(line.weight == 1.0 for line in lines)
    assert all(line.due is None and line.late_penalty == 0 for line in lines)
    assert all(line.unmet_penalty is None for line in lines)  # the item's penalty applies
    assert not problem.ship_time
    assert problem.move_cost == 0


def test_absent_or_null_optional_fields_mean_no_limit_no_loss_and_zero_cost() -> None:
    data = example()
    data["budget"] = None
    del data["integer_levels"]
    del data["name"]
    data["items"][0]["holding_cost"] = None
    data["depots"][0] = {"id": "D1", "capacity_volume": None, "max_level": None}
    data["scenarios"][0]["depot_loss"] = None

    problem = read_prepositioning(data, default_name="from-the-file-name")

    assert problem.budget is None
    assert problem.integer_levels is False
    assert problem.name == "from-the-file-name"
    assert problem.items[0].holding_cost == 0.0
    assert problem.depots[0].capacity_volume is None
    assert not problem.depots[0].max_level
    assert not problem.scenarios[0].depot_loss


def test_integer_levels_are_read_when_the_file_asks_for_them() -> None:
    data = example()
    data["integer_levels"] = True

    assert read_prepositioning(data).integer_levels is True


def test_probabilities_summing_to_one_up_to_rounding_are_accepted() -> None:
    data = example()
    template = data["scenarios"][1]
    data["scenarios"] = [{**template, "id": f"s{k}", "probability": 0.1} for k in range(10)]

    assert math.isclose(sum(s.probability for s in read_prepositioning(data).scenarios), 1.0)


def test_probabilities_summing_over_one_are_refused_at_the_scenario_that_passes_one() -> None:
    data = example()
    template = data["scenarios"][1]
    data["scenarios"] = [{**template, "id": f"s{k}", "probability": 0.3} for k in range(5)]

    error = refused(data)

    assert error.field == "scenarios[3].probability"
    assert "over 1" in error.message


def test_a_file_in_another_format_is_refused_naming_the_format_field() -> None:
    data = example()
    data["format"] = "chemdepot-prepositioning/2"

    assert refused(data).field == "format"


def test_a_document_that_is_not_an_object_is_refused() -> None:
    assert refused([example()]).field == "$"


def test_a_refusal_is_an_invalid_problem_so_the_api_maps_it_like_any_other() -> None:
    assert isinstance(refused({}), InvalidProblemError)


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


BROKEN = [
    (_delete(("format",)), "format"),
    (_delete(("scenarios",)), "scenarios"),
    (_delete(("items", 0, "unit_cost")), "items[0].unit_cost"),
    (_delete(("ship_cost", 1, "cost")), "ship_cost[1].cost"),
    (_delete(("scenarios", 1, "demand", 0, "quantity")), "scenarios[1].demand[0].quantity"),
    (_set(("items",), []), "items"),
    (_set(("items",), {"KIT": {}}), "items"),
    (_set(("items", 0, "unit_cost"), -1), "items[0].unit_cost"),
    (_set(("items", 0, "unit_cost"), "1.0"), "items[0].unit_cost"),
    (_set(("items", 1, "unmet_penalty"), True), "items[1].unmet_penalty"),
    (_set(("items", 1, "volume"), math.inf), "items[1].volume"),
    (_set(("items", 1, "holding_cost"), -0.5), "items[1].holding_cost"),
    (_set(("items", 1, "id"), "KIT"), "items[1].id"),
    (_set(("items", 1, "id"), 7), "items[1].id"),
    (_set(("items", 1, "holding_cots"), 1.0), "items[1].holding_cots"),
    (_set(("depots", 1, "id"), "D1"), "depots[1].id"),
    (_set(("depots", 0, "capacity_volume"), -400), "depots[0].capacity_volume"),
    (_set(("depots", 0, "max_level"), {"GAS": 5}), "depots[0].max_level.GAS"),
    (_set(("depots", 0, "max_level"), {"KIT": -5}), "depots[0].max_level.KIT"),
    (_set(("depots", 0, "max_level"), [5000]), "depots[0].max_level"),
    (_set(("budget",), -1), "budget"),
    (_set(("integer_levels",), "yes"), "integer_levels"),
    (_set(("sites",), ["S1", "S2", "S1"]), "sites[2]"),
    (_set(("sites",), "S1"), "sites"),
    (_set(("ship_cost", 2, "site"), "S9"), "ship_cost[2].site"),
    (_set(("ship_cost", 2, "depot"), "D9"), "ship_cost[2].depot"),
    (_set(("ship_cost", 2, "cost"), -7.25), "ship_cost[2].cost"),
    (_set(("ship_cost", 2, "site"), "S1"), "ship_cost[2]"),
    (_set(("scenarios", 1, "id"), "s1"), "scenarios[1].id"),
    (_set(("scenarios", 1, "probability"), 0), "scenarios[1].probability"),
    (_set(("scenarios", 1, "probability"), -0.1), "scenarios[1].probability"),
    (_set(("scenarios", 1, "probability"), None), "scenarios[1].probability"),
    (_set(("scenarios", 1, "demand", 1, "quantity"), -2.5), "scenarios[1].demand[1].quantity"),
    (_set(("scenarios", 1, "demand", 1, "item"), "GAS"), "scenarios[1].demand[1].item"),
    (_set(("scenarios", 1, "demand", 0, "site"), "S9"), "scenarios[1].demand[0].site"),
    (_set(("scenarios", 0, "depot_loss"), {"D1": 1.5}), "scenarios[0].depot_loss.D1"),
    (_set(("scenarios", 0, "depot_loss"), {"D1": -0.1}), "scenarios[0].depot_loss.D1"),
    (_set(("scenarios", 0, "depot_loss"), {"D-9": 0.1}), 'scenarios[0].depot_loss["D-9"]'),
]


@pytest.mark.parametrize(("mutate", "field"), BROKEN, ids=[field for _, field in BROKEN])
def test_a_broken_file_is_refused_naming_the_json_path_to_mend(
    mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = example()
    mutate(data)

    assert refused(data).field == field


def test_a_refusal_message_starts_with_the_field() -> None:
    data = example()
    data["ship_cost"][2]["site"] = "S9"

    assert str(refused(data)).startswith("ship_cost[2].site: names unknown site 'S9'")


def _result(**changes: Any) -> LevelsResult:
    base: dict[str, Any] = {
        "status": "optimal",
        "objective": 1234.5,
        "bound": 1230.1,
        "gap": (1234.5 - 1230.1) / 1234.5,
        "wall_s": 4.21234,
        "method": "extensive",
        "levels": (Level("D1", "KIT", 120.0), Level("D2", "SCBA", 3.0)),
    }
    return LevelsResult(**{**base, **changes})


def test_a_result_record_has_the_formats_fields() -> None:
    record = result_record("example", "chemdepot", _result())

    assert record == {
        "instance": "example",
        "solver": "chemdepot",
        "objective": 1234.5,
        "bound": 1230.1,
        "gap": pytest.approx(0.0035642, rel=1e-4),
        "wall_s": 4.212,
        "status": "optimal",
        "levels": [
            {"depot": "D1", "item": "KIT", "quantity": 120.0},
            {"depot": "D2", "item": "SCBA", "quantity": 3.0},
        ],
    }


def test_a_result_without_figures_writes_null_so_the_json_stays_standard() -> None:
    result = _result(status="error", objective=math.nan, bound=-math.inf, gap=math.inf, levels=())

    record = result_record("example", "extensive-highs", result)

    assert (record["objective"], record["bound"], record["gap"]) == (None, None, None)
    assert record["levels"] == []
    json.dumps(record, allow_nan=False)


def test_another_versions_file_is_refused_for_its_format_before_its_new_fields() -> None:
    data = example()
    data["format"] = "chemdepot-prepositioning/2"
    data["items"][0]["lead_time"] = 3

    assert refused(data).field == "format"
