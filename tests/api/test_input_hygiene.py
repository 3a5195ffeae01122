"""Regression tests of the probe in issue 11 ("What was seen"): every input that reached
the database as a 500, or was taken more loosely than the JSON API takes it, is now a 4xx
problem naming the field, and nothing is written. The NUL cases run on PostgreSQL too,
where a NUL used to break the query."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest

from api.limits import MAX_OFFSET
from tests.api.api_support import (
    FAR_EXPIRY,
    Api,
    Facts,
    assert_problem,
    new_key,
    new_lot_no,
)

IMPORT_COLUMNS = ["depot", "item", "quantity", "lot_no", "expiry_date", "reference"]


def books(api: Api) -> list[dict[str, Any]]:
    """Every lot on hand everywhere: any posting would change it."""
    return api.stock_lots()


def new_lot_receipt(facts: Facts, **fields: Any) -> dict[str, Any]:
    """A receipt of a new lot of a lot-tracked item with a shelf life, at a depot that
    stores it; `fields` override its fields."""
    item = facts.item_with("lot", shelf_life=True)["code"]
    return {
        "type": "receipt",
        "depot": facts.receiving_depot(item),
        "item": item,
        "quantity": 5,
        "lot_no": new_lot_no(),
        "expiry_date": FAR_EXPIRY.isoformat(),
    } | fields


def import_row(facts: Facts, **cells: Any) -> list[Any]:
    """One good import row (IMPORT_COLUMNS) of a new lot; `cells` override its cells."""
    body = new_lot_receipt(facts) | cells
    return [body.get(c, "") for c in IMPORT_COLUMNS]


def assert_import_refused(
    api: Api, rows: list[list[Any]], row: int, field: str, fmt: str = "csv"
) -> dict[str, Any]:
    """The upload is a 422 naming `row` and `field` first, and the books are unchanged."""
    before = books(api)

    response = api.import_table(fmt, IMPORT_COLUMNS, rows)

    problem = assert_problem(response, 422, field)
    assert (problem["errors"][0]["row"], problem["errors"][0]["field"]) == (row, field)
    assert books(api) == before
    return problem


# ------------------------------------------------------------------- NUL
@pytest.mark.parametrize("field", ["depot", "item", "lot_no", "reference", "note"])
def test_a_nul_in_a_movement_body_field_is_a_422_naming_it(
    any_api: Api, facts: Facts, field: str
) -> None:
    body = new_lot_receipt(facts, reference="PO-1", note="ok")
    body[field] = f"{body[field]}\x00"
    before = books(any_api)

    response = any_api.post_movement(body)

    problem = assert_problem(response, 422, field)
    assert "U+0000" in problem["detail"]
    assert books(any_api) == before


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/depots/D-HNI%00", "path.code"),
        ("/stock/D-HNI%00/X", "path.depot"),
        ("/stock/D-HNI/X%00/pick?quantity=1", "path.item"),
    ],
)
def test_a_nul_in_a_path_segment_is_a_422_naming_it(any_api: Api, path: str, field: str) -> None:
    before = books(any_api)

    response = any_api.client.get(path)

    assert assert_problem(response, 422)["field"] == field
    assert books(any_api) == before


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/stock", {"depot": "D-HNI\x00"}, "depot"),
        ("/stock", {"lot": "L\x00"}, "lot"),
        ("/movements", {"depot": "D-HNI", "item": "X\x00"}, "item"),
        ("/items", {"category": "\x00"}, "category"),
        ("/alerts", {"kind": "expired\x00"}, "kind.0"),
        ("/jobs", {"kind": "\x00x"}, "kind"),
        ("/network/route", {"from": "D-HNI\x00", "to": "F01"}, "from"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_422_naming_it(
    any_api: Api, path: str, params: dict[str, str], field: str
) -> None:
    before = books(any_api)

    response = any_api.client.get(path, params=params)

    assert_problem(response, 422, field)
    assert books(any_api) == before


@pytest.mark.parametrize("column", ["depot", "lot_no", "reference"])
def test_a_nul_in_an_import_cell_is_a_422_naming_the_row_and_column(
    any_api: Api, facts: Facts, column: str
) -> None:
    good = import_row(facts)
    bad = import_row(facts)
    bad[IMPORT_COLUMNS.index(column)] = f"{bad[IMPORT_COLUMNS.index(column)] or 'x'}\x00"

    assert_import_refused(any_api, [good, bad], 3, column)


# -------------------------------------------------------------- lengths
@pytest.mark.parametrize("length", [121, 500])
def test_a_reference_longer_than_its_column_is_a_422_naming_it(
    any_api: Api, facts: Facts, length: int
) -> None:
    before = books(any_api)

    response = any_api.post_movement(new_lot_receipt(facts, reference="R" * length))

    problem = assert_problem(response, 422, "reference")
    assert "120" in problem["detail"]
    assert books(any_api) == before


def test_a_reference_as_long_as_its_column_is_posted(any_api: Api, facts: Facts) -> None:
    body = new_lot_receipt(facts, reference="R" * 120)

    any_api.posted(body)

    [line] = any_api.card(body["depot"], body["item"], lot=body["lot_no"])
    assert line["reference"] == "R" * 120


def test_the_openapi_schema_gives_a_reference_the_column_length(api: Api) -> None:
    schema = api.get("/openapi.json")["components"]["schemas"]["ReceiptCreate"]

    reference = schema["properties"]["reference"]["anyOf"][0]
    assert reference["maxLength"] == 120


# --------------------------------------------------------------- offset
@pytest.mark.parametrize("offset", [2**63, 2**63 + 1, 10**30, MAX_OFFSET + 1])
@pytest.mark.parametrize(
    ("path", "params"), [("/stock", {}), ("/movements", {"depot": "D-HNI", "item": "X"})]
)
def test_an_offset_past_the_maximum_is_a_422_naming_offset(
    any_api: Api, path: str, params: dict[str, str], offset: int
) -> None:
    before = books(any_api)

    response = any_api.client.get(path, params={**params, "offset": offset})

    problem = assert_problem(response, 422, "offset")
    assert str(MAX_OFFSET) in problem["detail"]
    assert books(any_api) == before


def test_the_largest_offset_is_answered_with_an_empty_page(api: Api) -> None:
    page = api.get("/stock", offset=MAX_OFFSET)

    assert (page["items"], page["offset"]) == ([], MAX_OFFSET)


# ------------------------------------------------------- CSV quantities
@pytest.mark.parametrize("quantity", ["10000001", "2147483647", "2147483648", str(2**63), "9" * 40])
def test_an_import_quantity_above_the_json_maximum_is_refused_naming_row_and_quantity(
    any_api: Api, facts: Facts, quantity: str
) -> None:
    rows = [import_row(facts), import_row(facts, quantity=quantity)]

    problem = assert_import_refused(any_api, rows, 3, "quantity")
    assert "10000000" in problem["errors"][0]["message"]


def test_an_import_quantity_of_the_json_maximum_is_posted(api: Api, facts: Facts) -> None:
    # ten million units fit no depot: the row says why it is let in over capacity
    row = [*import_row(facts, quantity="10000000"), "the largest quantity a row may carry"]

    response = api.import_table("csv", [*IMPORT_COLUMNS, "over_capacity_reason"], [row])

    assert response.status_code == 201, response.text
    depot, item, lot_no = row[0], row[1], row[3]
    assert api.on_hand(depot, item, lot_no) == 10_000_000


#: an exponent, spaces, a decimal point, a sign, hex, an underscore, an Arabic-Indic five
LOOSE_QUANTITIES = ["1e3", " 5 ", " 5", "5 ", "5.0", "+5", "0x5", "5_0", "\u0665"]


@pytest.mark.parametrize("quantity", LOOSE_QUANTITIES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_import_quantity_that_is_not_whole_digits_is_refused(
    api: Api, facts: Facts, quantity: str, fmt: str
) -> None:
    rows = [import_row(facts), import_row(facts, quantity=quantity)]

    problem = assert_import_refused(api, rows, 3, "quantity", fmt)
    assert "digits" in problem["errors"][0]["message"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("lot_no", "L\u200b1"), ("lot_no", "L\x071"), ("reference", "R" * 121), ("depot", "D" * 17)],
)
def test_an_import_cell_breaking_a_json_string_rule_is_refused(
    api: Api, facts: Facts, column: str, value: str
) -> None:
    rows = [import_row(facts), import_row(facts, **{column: value})]

    assert_import_refused(api, rows, 3, column)


# ------------------------------------------------------------- lot numbers
@pytest.mark.parametrize("lot_no", ["LOT\u200b1", "LOT\u20601", "\ufeffLOT1", "LOT\u00ad1", "L\t1"])
def test_a_lot_number_with_an_invisible_or_control_character_is_a_422(
    api: Api, facts: Facts, lot_no: str
) -> None:
    before = books(api)

    response = api.post_movement(new_lot_receipt(facts, lot_no=lot_no))

    assert_problem(response, 422, "lot_no")
    assert books(api) == before


def test_a_lot_number_in_decomposed_form_is_the_same_lot_as_in_composed_form(
    api: Api, facts: Facts
) -> None:
    composed = f"LÔ-{new_lot_no()}"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    first = new_lot_receipt(facts, lot_no=decomposed)

    api.posted(first)
    api.posted(first | {"lot_no": composed})

    lots = api.detail(first["depot"], first["item"])["lots"]
    assert [lot["on_hand"] for lot in lots if lot["lot_no"] == composed] == [10]
    assert not [lot for lot in lots if lot["lot_no"] == decomposed]


# ---------------------------------------------------------------- closures
def closures(api: Api) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.get("/network/closures", include_lifted="true")
    return rows


def post_closure(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post("/network/closures", json=body, headers={"Idempotency-Key": new_key()})


@pytest.mark.parametrize(
    ("polygon", "words"),
    [
        # a bow tie: its two edges cross at (10.75, 106.75); shapely says where
        (
            [[10.5, 106.5], [11.0, 107.0], [11.0, 106.5], [10.5, 107.0]],
            ["not simple", "self-intersection at (10.75, 106.75)"],
        ),
        # three points exactly on one line: shapely finds no area
        ([[10.5, 106.5], [10.75, 106.75], [11.0, 107.0]], ["zero area", "self-intersection"]),
        # there and back along one line
        (
            [[10.5, 106.5], [11.0, 107.0], [10.75, 106.75], [11.0, 107.0]],
            ["zero area", "self-intersection"],
        ),
        # on one line but for rounding (shapely sees a sliver): under 1 m², still flat
        ([[10.7, 106.6], [10.75, 106.7], [10.8, 106.8]], ["zero area"]),
    ],
)
def test_an_invalid_closure_polygon_is_a_422_naming_polygon_and_why(
    api: Api, polygon: list[list[float]], words: list[str]
) -> None:
    response = post_closure(api, {"kind": "zone_polygon", "polygon": polygon, "reason": "x"})

    problem = assert_problem(response, 422, "polygon")
    assert all(w in problem["detail"].lower() for w in words), problem["detail"]
    assert closures(api) == []


@pytest.mark.parametrize(
    ("body", "foreign"),
    [
        ({"kind": "edge", "edge_id": "C01-01", "speed_factor": 0.5}, "speed_factor"),
        ({"kind": "node", "node_id": "N", "edge_id": "C01-01"}, "edge_id"),
        (
            {"kind": "zone_circle", "centre": [16.0, 108.0], "radius_km": 5, "polygon": []},
            "polygon",
        ),
        (
            {
                "kind": "zone_polygon",
                "polygon": [[10.7, 106.6], [10.8, 106.6], [10.8, 106.8]],
                "radius_km": 5,
            },
            "radius_km",
        ),
        ({"kind": "slow", "edge_id": "C01-01", "speed_factor": 0.5, "node_id": "N"}, "node_id"),
    ],
)
def test_a_closure_field_of_another_kind_is_a_422_naming_it(
    api: Api, body: dict[str, Any], foreign: str
) -> None:
    response = post_closure(api, {**body, "reason": "x"})

    problem = assert_problem(response, 422, foreign)
    assert body["kind"] in problem["detail"]
    assert closures(api) == []


# -------------------------------------------------------------- incidents
def incident(required_by: str, **fields: Any) -> dict[str, Any]:
    return {
        "incident_type": "chemical_release",
        "level": "national",
        "location": {"hazard_source": "F12"},
        "demands": [{"item": "RSP-SCBA", "quantity": 1, "required_by": required_by}],
    } | fields


def test_a_required_by_without_a_time_zone_is_a_422_naming_it(api: Api) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(tzinfo=None)
    before = api.get("/incidents")

    response = api.client.post("/incidents", json=incident(later.isoformat()))

    assert_problem(response, 422, "demands.0.required_by")
    assert api.get("/incidents") == before


def test_a_reported_at_without_a_time_zone_is_a_422_naming_it(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    later = (now + dt.timedelta(days=1)).isoformat()
    naive = now.replace(tzinfo=None, microsecond=0).isoformat()
    before = api.get("/incidents")

    response = api.client.post("/incidents", json=incident(later, reported_at=naive))

    assert_problem(response, 422, "reported_at")
    assert api.get("/incidents") == before


def test_an_incident_with_a_zero_width_space_in_its_level_is_a_422(api: Api) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    before = api.get("/incidents")

    response = api.client.post("/incidents", json=incident(later, level="national\u200b"))

    assert_problem(response, 422, "level")
    assert api.get("/incidents") == before


def test_an_empty_location_is_refused_and_the_schema_says_so(api: Api) -> None:
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    schema = api.get("/openapi.json")["components"]["schemas"]["Location"]
    before = api.get("/incidents")

    response = api.client.post("/incidents", json=incident(later, location={}))

    assert_problem(response, 422, "location")
    assert api.get("/incidents") == before
    assert [sorted(c["required"]) for c in schema["oneOf"]] == [
        ["lat", "lon"],
        ["node_id"],
        ["hazard_source"],
    ]
