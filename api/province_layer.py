"""The province layer served as GeoJSON: data/provinces.geojson (the shapes the network
tells Vietnam from the sea with, Hoàng Sa and Trường Sa included) joined with
data/provinces.csv (region, unit type, admin centre).

The layer never changes while the app runs, so each answer (whole layer or one feature,
per simplification) is encoded once: JSON bytes, their gzip and a validator (ETag) are
kept, and a revalidation with `If-None-Match` costs a hash lookup, not a re-encoding."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from inventory.errors import NotFoundError

from .reference_schemas import ProvinceCollection, ProvinceFeature
from .reference_service import ReferenceDataError, file_problem, read_rows

GEOJSON = "application/geo+json"
#: Encoded answers kept per layer (whole layer or one feature, per tolerance): a client
#: asks few tolerances; a fuzzer asking many only evicts the oldest.
CACHE_SIZE = 64


@dataclass(frozen=True)
class Encoded:
    """One answer, ready to send."""

    body: bytes
    gzipped: bytes
    etag: str

    def matches(self, if_none_match: str | None) -> bool:
        """Whether `If-None-Match` names this answer (weak comparison, RFC 9110 13.1.2)."""
        if not if_none_match:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or self.etag.removeprefix("W/") in tags


class ProvinceLayer:
    """The layer's features (provinces, then special zones) as plain GeoJSON dicts."""

    def __init__(self, features: list[dict[str, Any]]) -> None:
        self.features = features
        self._by_code = {f["id"]: f for f in features}
        self._cache: OrderedDict[tuple[str | None, float | None, bool], Encoded] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, data_dir: Path) -> ProvinceLayer:
        try:
            layer = json.loads((data_dir / "provinces.geojson").read_text(encoding="utf-8"))
            rows = {r["code"]: r for r in read_rows(data_dir / "provinces.csv")}
            return cls(_join(layer["features"], rows))
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise ReferenceDataError(
                f"provinces.geojson / provinces.csv: {file_problem(exc)}"
            ) from exc

    def collection(self, simplify: float | None, geometry: bool) -> Encoded:
        return self._encoded(None, simplify, geometry)

    def feature(self, code: str, simplify: float | None, geometry: bool) -> Encoded:
        if code not in self._by_code:
            raise NotFoundError(
                f"unknown province or special zone {code!r}; see GET /provinces", field="code"
            )
        return self._encoded(code, simplify, geometry)

    def _encoded(self, code: str | None, simplify: float | None, geometry: bool) -> Encoded:
        key = (code, simplify, geometry)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        chosen = self.features if code is None else [self._by_code[code]]
        shaped = [_shaped(f, simplify, geometry) for f in chosen]
        if code is None:
            doc = {"type": "FeatureCollection", "simplified": simplify, "features": shaped}
            body = ProvinceCollection.model_validate(doc).model_dump_json().encode()
        else:
            body = ProvinceFeature.model_validate(shaped[0]).model_dump_json().encode()
        digest = hashlib.sha256(body).hexdigest()[:32]
        encoded = Encoded(body, gzip.compress(body, 6, mtime=0), f'W/"{digest}"')
        with self._lock:
            self._cache[key] = encoded
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return encoded


def _join(features: list[dict[str, Any]], rows: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Province features with provinces.csv's columns, then the special zones; each code
    of provinces.csv must have its feature and each feature its row."""
    provinces = [f for f in features if f["properties"].get("kind", "province") == "province"]
    zones = [f for f in features if f["properties"].get("kind") == "special_zone"]
    codes = {str(f["properties"]["code"]) for f in provinces}
    if codes != set(rows):
        raise ReferenceDataError(
            f"provinces.geojson and provinces.csv disagree: {sorted(codes ^ set(rows))}"
        )
    zones_of: dict[str, list[dict[str, str]]] = {}
    for z in zones:
        p = z["properties"]
        zones_of.setdefault(str(p["province_code"]), []).append(
            {"code": str(p["code"]), "name": p["name"]}
        )
    joined = [_province(f, rows[str(f["properties"]["code"])], zones_of) for f in provinces]
    return joined + [_zone(f) for f in zones]


def _province(
    feature: dict[str, Any], row: dict[str, str], zones_of: dict[str, list[dict[str, str]]]
) -> dict[str, Any]:
    p = feature["properties"]
    code = row["code"]
    properties = {
        "kind": "province",
        "code": code,
        "name": row["name_vi"],
        "name_en": row["name_en"],
        "full_name": p.get("full_name", row["name_vi"]),
        "unit_type": row["unit_type"],
        "region": row["region"],
        "centre": {
            "name": row["centre_name"],
            "lat": float(row["centre_lat"]),
            "lon": float(row["centre_lon"]),
        },
        "area_km2": float(p["area_km2"]),
        "special_zones": zones_of.get(code, []),
    }
    return {
        "type": "Feature",
        "id": code,
        "properties": properties,
        "geometry": feature["geometry"],
    }


def _zone(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    properties = {
        "kind": "special_zone",
        "code": str(p["code"]),
        "name": p["name"],
        "name_en": p.get("name_en", p["name"]),
        "full_name": p.get("full_name", p["name"]),
        "province_code": str(p["province_code"]),
        "territorial_sea": bool(p.get("territorial_sea", False)),
        "area_km2": float(p["area_km2"]),
    }
    return {
        "type": "Feature",
        "id": properties["code"],
        "properties": properties,
        "geometry": feature["geometry"],
    }


def _shaped(feature: dict[str, Any], simplify: float | None, geometry: bool) -> dict[str, Any]:
    """The feature as served: without geometry, as stored, or simplified (Douglas-Peucker,
    topology kept, so no island is dropped) and always as a MultiPolygon."""
    if not geometry:
        return {**feature, "geometry": None}
    if not simplify and feature["geometry"]["type"] == "MultiPolygon":
        return feature
    geom = shape(feature["geometry"])
    if simplify:
        geom = geom.simplify(simplify, preserve_topology=True)
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise ReferenceDataError(f"feature {feature['id']} is not a polygon")
    return {**feature, "geometry": mapping(geom)}
