"""Reference data an officer looks things up in: hazard sources with the incidents they can
cause and their nearest road node, and the scenario templates incidents take their demand
from. Read from data/ once per app (the same files incidents and stock-levels runs read),
never per request."""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from inventory.errors import NotFoundError
from inventory.hazard_data import HazardPair, TemplateLine, load_hazard_data
from inventory.models import Item
from network import OFFSHORE_REACH_KM, NetworkError, RoadRouter

from .incidents_service import template_quantity
from .reference_schemas import (
    HazardIncidentTypeRead,
    HazardLevelRead,
    HazardSourceRead,
    NearestNode,
    ScenarioTemplateRead,
    TemplateLineRead,
)


class ReferenceDataError(ValueError):
    """The reference files of data/ are missing or contradict each other."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV of data/ as rows of stripped strings (an empty cell is '')."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def file_problem(exc: Exception) -> str:
    """What is wrong with a data file, without the server's paths."""
    if isinstance(exc, KeyError):
        return f"no {exc} where one is needed"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def fold(text: str) -> str:
    """A name as a search key: no diacritics (đ is d), case and spacing ignored, so
    `Thanh Hoá`, `Thanh Hóa` and `thanh hoa` name the same province."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class ProvinceName:
    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class Filters:
    """What a listing of hazard sources or templates is narrowed to (None: anything)."""

    province: str | None = None
    kind: str | None = None
    incident_type: str | None = None
    level: str | None = None
    hazard_source: str | None = None


@dataclass(frozen=True)
class _Pair:
    pair: HazardPair
    why: str
    basis: str


class ReferenceData:
    """Hazard sources, provinces and templates of data/, read and checked once.

    `levels` is the configured level order (lowest first): listings follow it."""

    def __init__(self, data_dir: Path, levels: Sequence[str]) -> None:
        self.levels = tuple(levels)
        self._pairs: dict[str, list[_Pair]] = defaultdict(list)
        self.fits: dict[str, list[str]] = defaultdict(list)
        try:
            self._read(data_dir)
        except (OSError, KeyError, ValueError) as exc:
            raise ReferenceDataError(f"hazard and template files: {file_problem(exc)}") from exc

    def _read(self, data_dir: Path) -> None:
        hazards = load_hazard_data(data_dir)  # checks the files against each other
        self.lines: Mapping[str, tuple[TemplateLine, ...]] = hazards.lines
        self.kind_of = {
            r["template"]: (r["incident_type"], r["level"])
            for r in read_rows(data_dir / "scenario_templates.csv")
        }
        self.provinces = {
            r["code"]: ProvinceName(r["code"], r["name_vi"], r["name_en"])
            for r in read_rows(data_dir / "provinces.csv")
        }
        self._names = {fold(n): p.code for p in self.provinces.values() for n in _names(p)}
        reasons = {
            (r["hazard_source"], r["template"]): r["why"]
            for r in read_rows(data_dir / "hazard_templates.csv")
        }
        basis = {
            (r["hazard_source"], r["template"]): r["basis"]
            for r in read_rows(data_dir / "hazard_likelihoods.csv")
        }
        for p in sorted(hazards.pairs, key=lambda p: (self._rank(p.level), p.template)):
            key = (p.source, p.template)
            self._pairs[p.source].append(_Pair(p, reasons[key], basis[key]))
            self.fits[p.template].append(p.source)
        self._sources = {
            r["id"]: self._bare_source(r) for r in read_rows(data_dir / "hazard_sources.csv")
        }

    def _rank(self, level: str) -> int:
        return self.levels.index(level) if level in self.levels else len(self.levels)

    # ------------------------------------------------------------------ filters
    def province_code(self, value: str, field: str = "province") -> str:
        """A province named by its code or its name (with or without diacritics)."""
        if value in self.provinces:
            return value
        code = self._names.get(fold(value))
        if code is None:
            raise NotFoundError(
                f"unknown province {value!r}: give a code (01 ... 96) or a name", field=field
            )
        return code

    def check_filters(self, filters: Filters) -> Filters:
        """The filters with the province as a code; a 404 naming an unknown value (as an
        unknown depot in `GET /stock?depot=`)."""
        if filters.level is not None and filters.level not in self.levels:
            raise NotFoundError(
                f"unknown level {filters.level!r}; use one of {list(self.levels)}", field="level"
            )
        if filters.hazard_source is not None and filters.hazard_source not in self._sources:
            raise NotFoundError(
                f"unknown hazard source {filters.hazard_source!r}", field="hazard_source"
            )
        if filters.province is None:
            return filters
        return replace(filters, province=self.province_code(filters.province))

    # ----------------------------------------------------------- hazard sources
    def hazard_sources(self, router: RoadRouter) -> tuple[HazardSourceRead, ...]:
        """Every hazard source in file order, with its nearest road node on `router`."""
        out = []
        for source in self._sources.values():
            nearest, note = _nearest(router, (source.lat, source.lon))
            out.append(source.model_copy(update={"nearest_node": nearest, "road_note": note}))
        return tuple(out)

    def _bare_source(self, row: dict[str, str]) -> HazardSourceRead:
        """A source as data/ describes it (a ValueError names a bad kind or province)."""
        province = self.provinces.get(row["province_code"])
        if province is None:
            raise ValueError(f"hazard source {row['id']}: unknown province {row['province_code']}")
        return HazardSourceRead(
            code=row["id"],
            name_vi=row["name_vi"],
            name_en=row["name_en"] or None,
            kind=row["category"],  # validated against HazardKind
            hazard_type=row["hazard_type"],
            key_substances=row["key_substances"],
            province_code=province.code,
            province_name=province.name_vi,
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            incident_types=self._incident_types(row["id"]),
            nearest_node=None,
            road_note=None,
        )

    def _incident_types(self, code: str) -> list[HazardIncidentTypeRead]:
        by_type: dict[str, list[HazardLevelRead]] = defaultdict(list)
        for p in self._pairs[code]:
            likelihood = p.pair.annual_likelihood
            by_type[p.pair.incident_type].append(
                HazardLevelRead(
                    level=p.pair.level,
                    template=p.pair.template,
                    annual_likelihood=likelihood,
                    return_period_years=float(f"{1 / likelihood:.3g}"),
                    why=p.why,
                    basis=p.basis,
                )
            )
        return [
            HazardIncidentTypeRead(
                incident_type=t,
                annual_likelihood=float(f"{sum(lv.annual_likelihood for lv in levels):.6g}"),
                levels=levels,
            )
            for t, levels in by_type.items()
        ]

    # -------------------------------------------------------------- templates
    def templates(
        self, items: Mapping[str, Item], filters: Filters, size: float = 1.0
    ) -> list[ScenarioTemplateRead]:
        """The templates that match `filters`, their quantities for an incident of `size`."""
        return [
            self.template(name, items, size)
            for name in sorted(self.lines, key=self._template_order)
            if _matches(filters, *self.kind_of[name], self.fits[name])
        ]

    def _template_order(self, name: str) -> tuple[str, int, bool, str]:
        """By incident type, then level (lowest first), the default before its variants."""
        incident_type, level = self.kind_of[name]
        return (incident_type, self._rank(level), name != f"{incident_type}.{level}", name)

    def template(
        self, name: str, items: Mapping[str, Item], size: float = 1.0
    ) -> ScenarioTemplateRead:
        """One template; 404 naming `template` if data/ has none by that name."""
        if name not in self.lines:
            raise NotFoundError(f"unknown scenario template {name!r}", field="template")
        incident_type, level = self.kind_of[name]
        lines = [_line(line, items.get(line[0]), size) for line in self.lines[name]]
        return ScenarioTemplateRead(
            template=name,
            incident_type=incident_type,
            level=level,
            variant=_variant(name, incident_type, level),
            default=name == f"{incident_type}.{level}",
            size=size,
            hazard_sources=self.fits[name],
            lines=lines,
            total_weight_kg=round(sum(x.weight_kg or 0.0 for x in lines), 1),
            total_volume_m3=round(sum(x.volume_m3 or 0.0 for x in lines), 3),
            earliest_required_by_h=min(x.required_by_h for x in lines),
        )


def _names(p: ProvinceName) -> tuple[str, ...]:
    return (p.name_vi, p.name_en) if p.name_en else (p.name_vi,)


def _variant(name: str, incident_type: str, level: str) -> str | None:
    """`ammonia` of `toxic_gas.ammonia.facility`; None for a default template."""
    if name == f"{incident_type}.{level}":
        return None
    return name.removeprefix(f"{incident_type}.").removesuffix(f".{level}")


def _matches(f: Filters, incident_type: str, level: str, fits: Sequence[str]) -> bool:
    return (
        (f.incident_type is None or f.incident_type == incident_type)
        and (f.level is None or f.level == level)
        and (f.hazard_source is None or f.hazard_source in fits)
    )


def _line(line: TemplateLine, item: Item | None, size: float) -> TemplateLineRead:
    code, per_unit, required_by_h, priority = line
    quantity = template_quantity(per_unit, size)
    return TemplateLineRead(
        item=code,
        name_vi=item.name_vi if item else None,
        name_en=item.name_en if item else None,
        unit=item.unit if item else None,
        quantity=quantity,
        required_by_h=required_by_h,
        priority=priority,
        weight_kg=round(quantity * item.unit_weight_kg, 1) if item else None,
        volume_m3=round(quantity * item.unit_volume_m3, 3) if item else None,
    )


def _nearest(
    router: RoadRouter, point: tuple[float, float]
) -> tuple[NearestNode | None, str | None]:
    """The node a plan ties the source to (an oil spill on water may lie offshore, so
    the widest coast reach applies), or None and the reason where no road reaches it."""
    try:
        snap = router.snap(point, field_name="location", coast_km=OFFSHORE_REACH_KM)
    except NetworkError as exc:
        return None, exc.message
    node = router.graph.nodes[snap.node_id]
    return (
        NearestNode(
            id=node.id,
            name_vi=node.name_vi,
            name_en=node.name_en,
            distance_km=round(snap.distance_km, 1),
            offroad_minutes=round(snap.seconds / 60, 1),
        ),
        None,
    )


def select_sources(sources: Sequence[HazardSourceRead], filters: Filters) -> list[HazardSourceRead]:
    """The sources in a province, of a kind, able to cause an incident type at a level."""
    return [
        s
        for s in sources
        if (filters.province is None or s.province_code == filters.province)
        and (filters.kind is None or s.kind == filters.kind)
        and ((filters.incident_type is None and filters.level is None) or _causes(s, filters))
    ]


def _causes(source: HazardSourceRead, f: Filters) -> bool:
    return any(
        f.level is None or lv.level == f.level
        for t in source.incident_types
        if f.incident_type is None or t.incident_type == f.incident_type
        for lv in t.levels
    )
