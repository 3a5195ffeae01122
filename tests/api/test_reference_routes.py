"""GET /health, /depots, /depots/{code}, /items and unknown routes."""

from __future__ import annotations

from tests.api.api_support import Api, Facts, assert_problem


def test_health_reports_ok_with_the_database_dialect_and_the_depot_count(any_api: Api) -> None:
    health = any_api.get("/health")
    depots = any_api.get("/depots")

    assert health["status"] == "ok"
    assert health["database"] in {"sqlite", "postgresql"}
    assert health["depots"] == len(depots) > 0


def test_depots_are_listed_by_code_with_their_storage_classes(api: Api) -> None:
    depots = api.get("/depots")

    codes = [d["code"] for d in depots]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for depot in depots:
        assert depot["storage_classes"], depot
        assert all(isinstance(c, str) and c for c in depot["storage_classes"])
        assert depot["capacity_m3"] > 0
        assert depot["capacity_kg"] > 0


def test_a_depot_is_read_with_its_vehicles_and_the_storage_its_stock_takes(
    api: Api, facts: Facts
) -> None:
    code = facts.lots[0]["depot"]

    depot = api.get(f"/depots/{code}")

    assert depot["code"] == code
    assert depot["storage_classes"] == facts.depots[code]["storage_classes"]
    assert depot["province_name"]
    assert isinstance(depot["vehicles"], list)
    assert all(v["count"] >= 0 and v["payload_kg"] > 0 for v in depot["vehicles"])
    held_m3 = sum(
        row["on_hand"] * facts.items[row["item"]]["unit_volume_m3"]
        for row in facts.lots
        if row["depot"] == code
    )
    assert depot["used_m3"] > 0
    assert abs(depot["used_m3"] - held_m3) < 0.01


def test_reading_an_unknown_depot_is_a_404_problem_naming_the_code(api: Api) -> None:
    response = api.client.get("/depots/NO-SUCH-DEPOT")

    body = assert_problem(response, 404, "code")
    assert "NO-SUCH-DEPOT" in body["detail"]


def test_items_list_the_catalogue_with_every_tracking_mode(api: Api) -> None:
    items = api.get("/items")

    codes = [i["code"] for i in items]
    assert codes == sorted(codes)
    assert {i["tracking"] for i in items} == {"none", "lot", "serial"}
    by_code = {i["code"]: i for i in items}
    for item in items:
        assert item["storage_class"]
        assert all(s in by_code for s in item["substitutes"]), item


def test_items_can_be_filtered_by_category(api: Api, facts: Facts) -> None:
    category = next(iter(facts.items.values()))["category"]

    items = api.get("/items", category=category)

    expected = sorted(c for c, i in facts.items.items() if i["category"] == category)
    assert [i["code"] for i in items] == expected
    assert api.get("/items", category="no-such-category") == []


def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get("/no/such/route"), 404)


def test_a_wrong_method_is_a_405_problem(api: Api) -> None:
    assert_problem(api.client.delete("/depots"), 405)
