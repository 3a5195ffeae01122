"""Schemas of the reference-data routes: hazard sources, the province layer (GeoJSON) and
the scenario templates, so the OpenAPI document describes what an officer reads instead
of the CSV files of data/."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field

#: hazard_sources.csv `category` (data/README.md): what a source is
HazardKind = Literal["facility", "hotspot", "past_incident", "planned"]
HAZARD_KINDS: tuple[str, ...] = get_args(HazardKind)

#: A GeoJSON position: longitude, latitude (RFC 7946 order).
Position = Annotated[list[float], Field(min_length=2, max_length=2)]


class NearestNode(BaseModel):
    """The road node an incident at the source is tied to, as a plan ties it (the
    haversine-nearest node, reached over an off-road leg)."""

    id: str
    name_vi: str
    name_en: str
    distance_km: float = Field(description="straight line from the source to the node")
    offroad_minutes: float = Field(description="the off-road leg a plan adds to every ETA")


class HazardLevelRead(BaseModel):
    """One template a source can cause, at one level, with how often (planning assumption)."""

    level: str
    template: str
    annual_likelihood: float = Field(gt=0, description="events per year")
    return_period_years: float = Field(gt=0, description="1 / annual_likelihood")
    why: str = Field(description="the scenario at this source the template stands for")
    basis: str = Field(description="how the likelihood was set (data/hazard_likelihoods.csv)")


class HazardIncidentTypeRead(BaseModel):
    incident_type: str
    annual_likelihood: float = Field(gt=0, description="sum over its levels")
    levels: list[HazardLevelRead] = Field(description="lowest level first")


class HazardSourceRead(BaseModel):
    """A facility, hotspot, past incident or planned site an incident may be declared at
    (`POST /incidents` with `location.hazard_source` = `code`)."""

    code: str
    name_vi: str
    name_en: str | None
    kind: HazardKind
    hazard_type: str = Field(description="free text, `;`-separated")
    key_substances: str
    province_code: str
    province_name: str
    lat: float
    lon: float
    incident_types: list[HazardIncidentTypeRead]
    nearest_node: NearestNode | None = Field(
        description="null where no road reaches the source (it needs sea transport)"
    )
    road_note: str | None = Field(description="why there is no nearest node, if there is none")


# ------------------------------------------------------------------------- provinces
class Centre(BaseModel):
    name: str
    lat: float
    lon: float


class ZoneRef(BaseModel):
    code: str
    name: str


class ProvinceProperties(BaseModel):
    """One of the 34 provinces (2025), with all its land, islands included."""

    kind: Literal["province"]
    code: str = Field(description="GSO code, as in provinces.csv and depots")
    name: str = Field(description="Vietnamese, with diacritics")
    name_en: str
    full_name: str
    unit_type: str = Field(description="`municipality` (centrally-run city) or `province`")
    region: str = Field(description="socio-economic region(s), `;`-separated")
    centre: Centre = Field(description="the political-administrative centre")
    area_km2: float
    special_zones: list[ZoneRef] = Field(description="its island special zones (đặc khu)")


class SpecialZoneProperties(BaseModel):
    """An island special zone (đặc khu); its shape is the part of its province's it covers."""

    kind: Literal["special_zone"]
    code: str = Field(description="ward code")
    name: str
    name_en: str
    full_name: str
    province_code: str
    territorial_sea: bool = Field(
        description="Hoàng Sa and Trường Sa: the sea within 12 nautical miles of their "
        "features is Vietnam's for every location check"
    )
    area_km2: float


class MultiPolygonGeometry(BaseModel):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[Position]]]


class ProvinceFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    properties: Annotated[ProvinceProperties | SpecialZoneProperties, Field(discriminator="kind")]
    geometry: MultiPolygonGeometry | None = Field(description="null with `geometry=false`")


class ProvinceCollection(BaseModel):
    """The province layer as a GeoJSON FeatureCollection (RFC 7946): the provinces, then
    the special zones."""

    type: Literal["FeatureCollection"]
    simplified: float | None = Field(description="the `simplify` tolerance used, in degrees")
    features: list[ProvinceFeature]


# ------------------------------------------------------------------ scenario templates
class TemplateLineRead(BaseModel):
    """What an incident of size 1 (or the `size` asked) needs of one item, by when."""

    item: str
    name_vi: str | None = Field(description="null if the catalogue lacks the item")
    name_en: str | None
    unit: str | None
    quantity: int = Field(description="ceil(quantity per size 1 x size), at least 1")
    required_by_h: float = Field(
        description="hours after the reported time (at least 30 min after the declaration)"
    )
    priority: int = Field(ge=1, le=5, description="5 keeps people alive, 1 is comfort")
    weight_kg: float | None
    volume_m3: float | None


class ScenarioTemplateRead(BaseModel):
    """The demand an incident declared without explicit lines gets: the template
    `<incident_type>.<level>` by default, or a substance variant it names."""

    template: str
    incident_type: str
    level: str
    variant: str | None = Field(description="`ammonia`, `source`...: used only when named")
    default: bool = Field(description="what an incident of this type and level gets")
    size: float = Field(description="the incident size the quantities are for")
    hazard_sources: list[str] = Field(description="the hazard sources it fits")
    lines: list[TemplateLineRead]
    total_weight_kg: float
    total_volume_m3: float
    earliest_required_by_h: float
