"""Reference data: hazard sources, the province layer (GeoJSON) and scenario templates,
so that an officer finds `F12` or what a national toxic-gas incident needs without
reading the CSV files. Read-only, open to every role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from inventory.models import Item

from ..deps import ReadSession
from ..dispatch_schemas import HazardSourceId, IncidentType, Level, Template
from ..network_service import RoadContext
from ..problems import ApiProblem
from ..province_layer import GEOJSON, Encoded, ProvinceLayer
from ..reference_schemas import (
    HazardKind,
    HazardSourceRead,
    ProvinceCollection,
    ProvinceFeature,
    ScenarioTemplateRead,
)
from ..reference_service import Filters, ReferenceData, ReferenceDataError, select_sources
from ..text_rules import code_rule
from .network import get_road

router = APIRouter(tags=["reference"])

T = TypeVar("T")

#: The layer changes only with data/, i.e. with a new release: clients may keep it an
#: hour, then revalidate with the ETag (a 304 without a body).
CACHE_CONTROL = "private, max-age=3600"
PROVINCE = "a province code (`25`) or name, with or without diacritics (`Phú Thọ`, `phu tho`)"

ProvinceQuery = Annotated[Annotated[str, code_rule(60)] | None, Query(description=PROVINCE)]
LevelQuery = Annotated[Level | None, Query(description="an incident level (configured names)")]
TypeQuery = Annotated[IncidentType | None, Query(description="an incident type")]
Simplify = Annotated[
    float | None,
    Query(
        gt=0,
        le=0.1,
        description="Douglas-Peucker tolerance in degrees (no island is dropped): 0.01 "
        "sends about a third of the full layer's 0.5 MB",
    ),
]
WithGeometry = Annotated[bool, Query(description="false: properties only, no shapes (about 15 KB)")]


def _once(request: Request, name: str, build: Callable[[], T]) -> T:
    """What `build` makes from data/, made on first use and kept for the app's life."""
    value: T | None = getattr(request.app.state, name, None)
    if value is None:
        try:
            value = build()
        except ReferenceDataError as exc:
            raise ApiProblem(503, "Reference data unavailable", str(exc)) from exc
        setattr(request.app.state, name, value)
    return value


def get_reference(request: Request) -> ReferenceData:
    settings = request.app.state.settings
    return _once(
        request, "reference", lambda: ReferenceData(settings.data_dir, settings.incident_levels)
    )


def get_province_layer(request: Request) -> ProvinceLayer:
    settings = request.app.state.settings
    return _once(request, "province_layer", lambda: ProvinceLayer.load(settings.data_dir))


Reference = Annotated[ReferenceData, Depends(get_reference)]
Layer = Annotated[ProvinceLayer, Depends(get_province_layer)]


def get_hazard_sources(
    request: Request, reference: Reference, road: Annotated[RoadContext, Depends(get_road)]
) -> tuple[HazardSourceRead, ...]:
    """Every hazard source with its nearest node on the app's road network, made once."""
    return _once(request, "hazard_sources", lambda: reference.hazard_sources(road.router))


HazardSources = Annotated[tuple[HazardSourceRead, ...], Depends(get_hazard_sources)]


@router.get("/hazard-sources")
def list_hazard_sources(
    reference: Reference,
    sources: HazardSources,
    province: ProvinceQuery = None,
    kind: Annotated[HazardKind | None, Query(description="what the source is")] = None,
    incident_type: TypeQuery = None,
    level: LevelQuery = None,
) -> list[HazardSourceRead]:
    """Hazard sources (facilities, hotspots, past incidents, planned sites) with the
    incident types each can cause, their annual likelihood per level, and the road node
    a plan reaches it from. An unknown province or level is a 422 naming it."""
    filters = reference.check_filters(
        Filters(province=province, kind=kind, incident_type=incident_type, level=level)
    )
    return select_sources(sources, filters)


@router.get("/hazard-sources/{code}")
def read_hazard_source(
    code: Annotated[HazardSourceId, Path(description="e.g. F12")], sources: HazardSources
) -> HazardSourceRead:
    """One hazard source; 404 naming `code` if data/ has none by that code."""
    for source in sources:
        if source.code == code:
            return source
    raise ApiProblem(404, "Not found", f"unknown hazard source {code!r}", field="code")


# ------------------------------------------------------------------------ provinces
class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON


def _geojson(model: type[Any]) -> dict[str, Any]:
    """The route arguments of a GeoJSON answer: `model` sent as `application/geo+json`,
    the same body as plain JSON for a client that accepts only that, and a 304 on
    revalidation."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "response_model": model,
        "response_class": GeoJSONResponse,
        "responses": {
            200: {"content": {"application/json": {"schema": ref}}},
            304: {"description": "Not modified: `If-None-Match` names the current `ETag`"},
        },
    }


def _send(request: Request, encoded: Encoded) -> Response:
    """The encoded answer, as the client asked: `application/geo+json` unless it accepts
    only `application/json`, gzipped if it accepts gzip, or a 304 if its copy is current."""
    headers = {
        "ETag": encoded.etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept, Accept-Encoding",
    }
    if encoded.matches(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    accept = request.headers.get("accept", "")
    media = (
        "application/json" if "application/json" in accept and GEOJSON not in accept else GEOJSON
    )
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        return Response(encoded.gzipped, media_type=media, headers=headers)
    return Response(encoded.body, media_type=media, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` takes gzip (named with a q-value above 0)."""
    for part in accept_encoding.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding == "gzip":
            q = next((p.removeprefix("q=") for p in params if p.startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


@router.get("/provinces", **_geojson(ProvinceCollection))
def read_provinces(
    request: Request, layer: Layer, simplify: Simplify = None, geometry: WithGeometry = True
) -> Response:
    """The 34 provinces with all their land (islands included: Hoàng Sa under Đà Nẵng,
    Trường Sa under Khánh Hoà) and the 13 island special zones, as a GeoJSON
    FeatureCollection. Cached (`ETag`, `Cache-Control`); gzipped when accepted."""
    return _send(request, layer.collection(simplify, geometry))


@router.get("/provinces/{code}", **_geojson(ProvinceFeature))
def read_province(
    request: Request,
    code: Annotated[str, code_rule(16), Path(description="a province or special-zone code")],
    layer: Layer,
    simplify: Simplify = None,
    geometry: WithGeometry = True,
) -> Response:
    """One province or special zone as a GeoJSON Feature; 404 naming `code`."""
    return _send(request, layer.feature(code, simplify, geometry))


# --------------------------------------------------------------- scenario templates
def _items(session: ReadSession) -> dict[str, Item]:
    return {i.code: i for i in session.scalars(select(Item))}


Size = Annotated[
    float,
    Query(gt=0, le=20, allow_inf_nan=False, description="incident size the quantities are for"),
]


@router.get("/scenario-templates")
def list_scenario_templates(
    reference: Reference,
    session: ReadSession,
    incident_type: TypeQuery = None,
    level: LevelQuery = None,
    hazard_source: Annotated[
        HazardSourceId | None, Query(description="only the templates that fit this source")
    ] = None,
    size: Size = 1.0,
) -> list[ScenarioTemplateRead]:
    """The demand templates incidents are declared with: per item the quantity for an
    incident of `size` (ceil(quantity x size)), the hours by which it is required and its
    priority, with totals of weight and volume and the hazard sources each fits."""
    filters = reference.check_filters(
        Filters(incident_type=incident_type, level=level, hazard_source=hazard_source)
    )
    return reference.templates(_items(session), filters, size)


@router.get("/scenario-templates/{template}")
def read_scenario_template(
    template: Annotated[Template, Path(description="e.g. toxic_gas.national")],
    reference: Reference,
    session: ReadSession,
    size: Size = 1.0,
) -> ScenarioTemplateRead:
    """One template; 404 naming `template` if data/ has none by that name."""
    return reference.template(template, _items(session), size)
