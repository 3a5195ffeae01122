"""GET /hazard-sources, /provinces and /scenario-templates: the reference data an officer
looks things up in, checked against the files of data/ and against what the rest of the
API does with them (the nodes a route snaps to, the demand an incident is declared with)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
import shutil
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape

from api.app import create_app
from api.services import Database
from api.settings import Settings
from network.geometry import haversine_km
from tests.api.api_support import Api, assert_problem
from tests.auth_support import client_as
from tests.conftest import DATA

GEOJSON = "application/geo+json"


def rows(name: str, data: Path = DATA) -> list[dict[str, str]]:
    with (data / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def codes(found: list[dict[str, Any]]) -> list[str]:
    return [s["code"] for s in found]


# ----------------------------------------------------------------- hazard sources
def test_an_officer_finds_f12_by_province_and_sees_its_nearest_node(api: Api) -> None:
    found = api.get("/hazard-sources", province="Phú Thọ")
    nodes = api.get("/network/nodes")["nodes"]

    assert "F12" in codes(found)
    assert {s["province_code"] for s in found} == {"25"}
    f12 = next(s for s in found if s["code"] == "F12")
    assert f12["province_name"] == "Phú Thọ"
    point = (f12["lat"], f12["lon"])
    nearest = min(nodes, key=lambda n: haversine_km(point, (n["lat"], n["lon"])))
    assert f12["nearest_node"]["id"] == nearest["id"]
    assert f12["nearest_node"]["name_vi"] == nearest["name_vi"]
    km = haversine_km(point, (nearest["lat"], nearest["lon"]))
    assert f12["nearest_node"]["distance_km"] == pytest.approx(km, abs=0.05)
    # at the off-road speed of data/road_speeds.csv, over 1.3 x the straight line
    offroad = next(r for r in rows("road_speeds.csv") if r["road_class"] == "offroad")
    minutes = km * 1.3 / float(offroad["speed_kmh"]) * 60
    assert f12["nearest_node"]["offroad_minutes"] == pytest.approx(minutes, abs=0.1)
    assert f12["road_note"] is None


def test_a_province_is_found_by_code_or_by_name_with_or_without_diacritics(api: Api) -> None:
    by_code = codes(api.get("/hazard-sources", province="25"))

    for name in ("Phú Thọ", "phu tho", "PHÚ THỌ", " Phu  Tho "):
        assert codes(api.get("/hazard-sources", province=name)) == by_code, name
    # the old and new places of the tone mark name the same province (Nghi Sơn, F02)
    assert "F02" in codes(api.get("/hazard-sources", province="Thanh Hóa"))
    assert "F02" in codes(api.get("/hazard-sources", province="Thanh Hoá"))


def test_every_hazard_source_of_data_is_served_with_the_templates_it_fits_and_their_likelihood(
    api: Api,
) -> None:
    served = {s["code"]: s for s in api.get("/hazard-sources")}
    sources = rows("hazard_sources.csv")
    likelihoods = {
        (r["hazard_source"], r["template"]): float(r["annual_likelihood"])
        for r in rows("hazard_likelihoods.csv")
    }
    levels = ["facility", "provincial", "national"]

    assert list(served) == [r["id"] for r in sources]
    for row in sources:
        source = served[row["id"]]
        assert source["name_vi"] == row["name_vi"]
        assert unicodedata.is_normalized("NFC", source["name_vi"])
        assert source["name_en"] == (row["name_en"] or None)
        assert source["kind"] == row["category"]
        assert source["nearest_node"]["id"] == row["nearest_node"]
        pairs = {
            (lv["template"], lv["annual_likelihood"])
            for t in source["incident_types"]
            for lv in t["levels"]
        }
        assert pairs == {(t, v) for (s, t), v in likelihoods.items() if s == row["id"]}
        for kind in source["incident_types"]:
            ranks = [levels.index(lv["level"]) for lv in kind["levels"]]
            assert ranks == sorted(ranks), kind
            total = sum(lv["annual_likelihood"] for lv in kind["levels"])
            assert kind["annual_likelihood"] == pytest.approx(total)
            assert all(lv["template"].startswith(kind["incident_type"]) for lv in kind["levels"])
            assert all(lv["why"] and lv["basis"] for lv in kind["levels"])


def test_hazard_sources_are_filtered_by_kind_incident_type_and_level(api: Api) -> None:
    sources = rows("hazard_sources.csv")
    kinds = {
        r["template"]: (r["incident_type"], r["level"]) for r in rows("scenario_templates.csv")
    }
    causes: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows("hazard_templates.csv"):
        causes[r["hazard_source"]].add(kinds[r["template"]])

    past = codes(api.get("/hazard-sources", kind="past_incident"))
    national_gas = codes(api.get("/hazard-sources", incident_type="toxic_gas", level="national"))
    any_gas = codes(api.get("/hazard-sources", incident_type="toxic_gas"))
    planned_national = codes(api.get("/hazard-sources", kind="planned", level="national"))

    assert past == [r["id"] for r in sources if r["category"] == "past_incident"]
    assert national_gas == [
        r["id"] for r in sources if ("toxic_gas", "national") in causes[r["id"]]
    ]
    assert set(national_gas) < set(any_gas)
    assert any_gas == [
        r["id"] for r in sources if any(t == "toxic_gas" for t, _ in causes[r["id"]])
    ]
    assert planned_national == [
        r["id"]
        for r in sources
        if r["category"] == "planned" and any(lv == "national" for _, lv in causes[r["id"]])
    ]


def test_one_hazard_source_is_read_by_its_code(api: Api) -> None:
    listed = next(s for s in api.get("/hazard-sources") if s["code"] == "F12")

    assert api.get("/hazard-sources/F12") == listed


def test_an_unknown_hazard_source_is_a_404_naming_the_code(api: Api) -> None:
    body = assert_problem(api.client.get("/hazard-sources/F99"), 404, "code")

    assert "F99" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/hazard-sources", {"province": "Narnia"}, "province"),
        ("/hazard-sources", {"province": "99"}, "province"),
        ("/hazard-sources", {"level": "district"}, "level"),
        ("/scenario-templates", {"level": "district"}, "level"),
        ("/scenario-templates", {"hazard_source": "F99"}, "hazard_source"),
    ],
)
def test_a_filter_naming_something_data_lacks_is_a_404_naming_the_field(
    api: Api, path: str, params: dict[str, str], field: str
) -> None:
    body = assert_problem(api.client.get(path, params=params), 404, field)

    assert next(iter(params.values())) in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/hazard-sources", {"kind": "volcano"}, "kind"),
        ("/hazard-sources", {"incident_type": "flood"}, "incident_type"),
        ("/scenario-templates", {"incident_type": "flood"}, "incident_type"),
        ("/scenario-templates", {"size": "0"}, "size"),
        ("/scenario-templates/toxic_gas.national", {"size": "nan"}, "size"),
        ("/provinces", {"simplify": "-1"}, "simplify"),
        ("/provinces", {"simplify": "0.5"}, "simplify"),
        ("/provinces/48", {"geometry": "maybe"}, "geometry"),
    ],
)
def test_a_filter_value_outside_its_schema_is_a_422_naming_the_field(
    api: Api, path: str, params: dict[str, str], field: str
) -> None:
    body = assert_problem(api.client.get(path, params=params), 422, f"query.{field}")

    assert field in body["detail"]


def test_a_hazard_source_no_road_reaches_is_listed_with_the_reason_instead_of_a_node(
    seeded_sqlite: Database, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    sources = rows("hazard_sources.csv", data)
    sources[0].update(lat="8.6961", lon="106.6007", province_code="79")  # on Côn Đảo
    with (data / "hazard_sources.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(sources[0]))
        writer.writeheader()
        writer.writerows(sources)
    app = create_app(
        Settings(database_url=seeded_sqlite.url, data_dir=data), database=seeded_sqlite
    )
    api = Api(client_as(seeded_sqlite, app=app))

    island = api.get(f"/hazard-sources/{sources[0]['id']}")

    assert island["nearest_node"] is None
    assert "Côn Đảo" in island["road_note"] and "sea transport" in island["road_note"]
    assert api.get(f"/hazard-sources/{sources[1]['id']}")["nearest_node"] is not None


# ---------------------------------------------------------------------- provinces
def test_provinces_include_hoang_sa_and_truong_sa(api: Api) -> None:
    response = api.client.get("/provinces")
    layer = response.json()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GEOJSON)
    assert layer["type"] == "FeatureCollection"
    features = {f["id"]: f for f in layer["features"]}
    for zone, province, south_of in (("Hoàng Sa", "48", 18.0), ("Trường Sa", "56", 12.0)):
        (feature,) = [f for f in features.values() if f["properties"]["name"] == zone]
        props = feature["properties"]
        assert props["kind"] == "special_zone" and props["territorial_sea"] is True
        assert props["province_code"] == province
        assert {"code": props["code"], "name": zone} in features[province]["properties"][
            "special_zones"
        ]
        islands = shape(feature["geometry"])
        # the archipelagos far out in the East Sea, inside their province's land
        centre = islands.centroid
        assert centre.x > 111.0 and islands.bounds[3] < south_of, islands.bounds
        assert shape(features[province]["geometry"]).contains(islands.representative_point())


def test_provinces_carry_the_names_regions_and_centres_of_provinces_csv(api: Api) -> None:
    layer = api.get("/provinces")
    provinces = [f for f in layer["features"] if f["properties"]["kind"] == "province"]

    expected = rows("provinces.csv")
    assert [f["id"] for f in provinces] == [r["code"] for r in expected]
    for feature, row in zip(provinces, expected, strict=True):
        props = feature["properties"]
        assert props["name"] == row["name_vi"]
        assert props["name_en"] == row["name_en"]
        assert props["region"] == row["region"]
        assert props["unit_type"] == row["unit_type"]
        assert props["centre"]["name"] == row["centre_name"]
        centre = (float(row["centre_lon"]), float(row["centre_lat"]))
        assert (
            shape(feature["geometry"])
            .buffer(0.05)
            .contains(shape({"type": "Point", "coordinates": centre}))
        )
    assert "Hồ Chí Minh" in {f["properties"]["name"] for f in provinces}
    assert len(layer["features"]) - len(provinces) == 13


def test_a_client_that_accepts_only_json_gets_the_same_layer_as_json(api: Api) -> None:
    geo = api.client.get("/provinces", params={"geometry": "false"})
    plain = api.client.get(
        "/provinces", params={"geometry": "false"}, headers={"Accept": "application/json"}
    )

    assert plain.headers["content-type"].startswith("application/json")
    assert geo.headers["content-type"].startswith(GEOJSON)
    assert plain.json() == geo.json()


def test_the_layer_is_revalidated_with_its_etag_and_not_sent_again(api: Api) -> None:
    first = api.client.get("/provinces")
    etag = first.headers["etag"]

    again = api.client.get("/provinces", headers={"If-None-Match": etag})
    simpler = api.client.get(
        "/provinces", params={"simplify": 0.01}, headers={"If-None-Match": etag}
    )

    assert "max-age" in first.headers["cache-control"]
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert simpler.status_code == 200 and simpler.headers["etag"] != etag


def test_the_layer_is_gzipped_for_a_client_that_accepts_it(api: Api) -> None:
    zipped = api.client.get("/provinces", headers={"Accept-Encoding": "gzip"})
    plain = api.client.get("/provinces", headers={"Accept-Encoding": "identity"})
    refused = api.client.get("/provinces", headers={"Accept-Encoding": "br, gzip;q=0"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in refused.headers
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.content == plain.content  # decoded by the client
    assert gzip.decompress(gzip.compress(plain.content)) == zipped.content


def test_a_simplified_layer_is_lighter_and_keeps_every_island(api: Api) -> None:
    full = api.client.get("/provinces", headers={"Accept-Encoding": "identity"})
    light = api.client.get(
        "/provinces", params={"simplify": 0.01}, headers={"Accept-Encoding": "identity"}
    )

    assert len(light.content) < len(full.content) / 2
    assert light.json()["simplified"] == 0.01
    for a, b in zip(full.json()["features"], light.json()["features"], strict=True):
        assert a["properties"] == b["properties"]
        assert len(a["geometry"]["coordinates"]) == len(b["geometry"]["coordinates"]), a["id"]


def test_properties_alone_are_a_few_kilobytes(api: Api) -> None:
    response = api.client.get(
        "/provinces", params={"geometry": "false"}, headers={"Accept-Encoding": "identity"}
    )

    assert len(response.content) < 30_000
    assert all(f["geometry"] is None for f in response.json()["features"])


def test_one_province_is_read_by_its_code_and_an_unknown_code_is_a_404(api: Api) -> None:
    layer = api.get("/provinces", geometry="false")
    da_nang = next(f for f in layer["features"] if f["id"] == "48")

    one = api.client.get("/provinces/48", params={"geometry": "false"})

    assert one.headers["content-type"].startswith(GEOJSON)
    assert one.json() == da_nang
    assert api.get("/provinces/48")["geometry"]["type"] == "MultiPolygon"
    body = assert_problem(api.client.get("/provinces/77"), 404, "code")
    assert "77" in body["detail"]


# ------------------------------------------------------------- scenario templates
def test_every_scenario_template_of_data_is_served_with_its_lines(any_api: Api) -> None:
    api = any_api
    served = api.get("/scenario-templates")
    items = {i["code"]: i for i in api.get("/items")}
    lines: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows("scenario_templates.csv"):
        lines[r["template"]].append(r)

    assert sorted(t["template"] for t in served) == sorted(lines)
    defaults = Counter((t["incident_type"], t["level"]) for t in served if t["default"])
    assert set(defaults.values()) == {1}
    for template in served:
        expected = lines[template["template"]]
        assert template["incident_type"] == expected[0]["incident_type"]
        assert template["level"] == expected[0]["level"]
        assert template["default"] == (template["variant"] is None)
        got = [
            (x["item"], x["quantity"], x["required_by_h"], x["priority"]) for x in template["lines"]
        ]
        assert got == [
            (r["item"], int(r["quantity"]), float(r["required_by_h"]), int(r["priority"]))
            for r in expected
        ]
        weight = sum(x["quantity"] * items[x["item"]]["unit_weight_kg"] for x in template["lines"])
        assert template["total_weight_kg"] == pytest.approx(weight, abs=0.5)
        assert all(x["name_vi"] == items[x["item"]]["name_vi"] for x in template["lines"])
    ammonia = next(t for t in served if t["template"] == "toxic_gas.ammonia.provincial")
    assert ammonia["variant"] == "ammonia" and not ammonia["default"]


def test_a_template_shows_the_demand_an_incident_of_that_size_is_declared_with(
    api: Api,
) -> None:
    (template,) = api.get(
        "/scenario-templates", incident_type="toxic_gas", level="provincial", hazard_source="F12"
    )
    reported = dt.datetime.now(dt.UTC).replace(microsecond=0)

    made = api.client.post(
        "/incidents",
        json={
            "incident_type": "toxic_gas",
            "level": "provincial",
            "location": {"hazard_source": "F12"},
            "reported_at": reported.isoformat(),
            "size": 2.5,
        },
    )
    scaled = api.get(f"/scenario-templates/{template['template']}", size=2.5)

    assert made.status_code == 201, made.text
    assert template["template"] == made.json()["template"] == "toxic_gas.provincial"
    demands = {d["item"]: d for d in made.json()["demands"]}
    assert [x["item"] for x in scaled["lines"]] == list(demands)
    for line, per_size_one in zip(scaled["lines"], template["lines"], strict=True):
        assert line["quantity"] == demands[line["item"]]["quantity"]
        assert line["quantity"] == max(1, math.ceil(per_size_one["quantity"] * 2.5))
        due = dt.datetime.fromisoformat(demands[line["item"]]["required_by"])
        assert due - reported == dt.timedelta(hours=line["required_by_h"])  # all >= 3 h


def test_templates_are_filtered_by_the_hazard_source_they_fit(api: Api) -> None:
    fits = {r["template"] for r in rows("hazard_templates.csv") if r["hazard_source"] == "F05"}

    served = api.get("/scenario-templates", hazard_source="F05")

    assert {t["template"] for t in served} == fits
    assert all("F05" in t["hazard_sources"] for t in served)


def test_an_unknown_template_is_a_404_naming_it(api: Api) -> None:
    body = assert_problem(api.client.get("/scenario-templates/toxic_gas.galactic"), 404, "template")

    assert "toxic_gas.galactic" in body["detail"]


# ---------------------------------------------------------------------- who reads
def test_a_viewer_reads_every_reference_route(api: Api) -> None:
    viewer = api.as_user("ref-viewer", "viewer")

    for path in (
        "/hazard-sources",
        "/hazard-sources/F12",
        "/provinces?geometry=false",
        "/provinces/56?geometry=false",
        "/scenario-templates",
        "/scenario-templates/toxic_gas.national",
    ):
        assert viewer.client.get(path).status_code == 200, path


def test_a_layer_that_cannot_be_read_is_a_503_problem(
    seeded_sqlite: Database, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "provinces.geojson").write_text('{"type": "FeatureCollection"}', encoding="utf-8")
    app = create_app(
        Settings(database_url=seeded_sqlite.url, data_dir=data), database=seeded_sqlite
    )
    api = Api(client_as(seeded_sqlite, app=app))

    body = assert_problem(api.client.get("/provinces"), 503)

    assert "provinces.geojson" in body["detail"] and str(tmp_path) not in body["detail"]
    assert api.client.get("/scenario-templates").status_code == 200
