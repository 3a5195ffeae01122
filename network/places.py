"""Places the network is asked about: provincial centres and hazard sources from data/."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .geometry import Point


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    point: Point
    province_code: str
    kind: str
    detail: str = ""


def read_rows(path: Path) -> list[dict[str, str]]:
    """A data file's rows, every value stripped (an empty field is "")."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_province_centres(data_dir: Path) -> list[Place]:
    return [
        Place(
            r["code"],
            r["name_vi"],
            (float(r["centre_lat"]), float(r["centre_lon"])),
            r["code"],
            "province",
            r["centre_name"],
        )
        for r in read_rows(data_dir / "provinces.csv")
    ]


def load_hazard_sources(data_dir: Path) -> list[Place]:
    path = data_dir / "hazard_sources.csv"
    if not path.exists():
        return []
    return [
        Place(
            r["id"],
            r["name_vi"],
            (float(r["lat"]), float(r["lon"])),
            r["province_code"],
            r["category"],
            r["hazard_type"],
        )
        for r in read_rows(path)
    ]
