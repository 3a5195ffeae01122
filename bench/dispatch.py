"""Dispatch planning on the bundled dataset, from HTTP request to stored plan.

Cases: one national-level chlorine release at the Việt Trì chlor-alkali plant, and five
concurrent incidents across the country planned together. Each is timed over repeated
runs (median, p90) and printed beside its target (1 s and 5 s on this 2-core machine)
and beside the time the optimiser alone took inside the same request.

    python -m bench.dispatch [--repeats N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.accounts_service import token_for
from api.app import create_app
from api.services import Database, init_database
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

SINGLE = [("chemical_release", "national", "F12", 3)]
FIVE = [
    ("chemical_release", "national", "F12", 5),  # Việt Trì chlorine
    ("toxic_gas", "provincial", "F06", 3),  # Cà Mau ammonia
    ("toxic_smoke_fire", "national", "F01", 4),  # Dung Quất refinery fire
    ("oil_spill_water", "national", "I05", 3),  # tanker capsize off Vũng Tàu
    ("radiological", "provincial", "F15", 4),  # Đà Lạt research reactor
]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_case(
    client: TestClient, incidents: list[tuple[str, str, str, int]], repeats: int
) -> dict[str, Any]:
    ids = []
    for kind, level, place, priority in incidents:
        resp = client.post(
            "/incidents",
            json={
                "incident_type": kind,
                "level": level,
                "priority": priority,
                "location": {"hazard_source": place},
            },
        )
        resp.raise_for_status()
        ids.append(resp.json()["id"])
    body = {"with_incidents": ids[1:]}
    client.post(f"/incidents/{ids[0]}/dispatch-plans", json=body).raise_for_status()  # warm-up
    walls: list[float] = []
    solves: list[float] = []
    last: dict[str, Any] = {}
    for _ in range(repeats):
        start = time.perf_counter()
        resp = client.post(f"/incidents/{ids[0]}/dispatch-plans", json=body)
        walls.append(time.perf_counter() - start)
        resp.raise_for_status()
        last = resp.json()
        solves.append(float(last["solve"]["solve_seconds"]))
    return {"walls": walls, "solves": solves, "plan": last}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="chemdepot-bench-dispatch-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(database_url=url, data_dir=ROOT / "data")
    init_database(settings)
    db = Database(url)
    client = TestClient(
        create_app(settings, database=db),
        headers={"Authorization": f"Bearer {token_for(db, 'bench')}"},
    )
    print("chemdepot dispatch benchmark (SQLite, bundled dataset, HTTP request to stored plan)")
    print(
        f"machine  nproc {os.cpu_count()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}"
    )
    print(f"run      1 warm-up, then median and p90 of {args.repeats} plans per case\n")
    rows = []
    results: list[dict[str, Any]] = []
    for name, incidents, target in (
        ("1 national incident", SINGLE, 1.0),
        ("5 concurrent incidents", FIVE, 5.0),
    ):
        res = run_case(client, incidents, args.repeats)
        med = statistics.median(res["walls"])
        plan = res["plan"]
        s = plan["summary"]
        rows.append(
            (name, med, quantile(res["walls"], 0.9), statistics.median(res["solves"]), target, s)
        )
        results.append(
            {
                "case": name,
                "target_s": target,
                "median_s": med,
                "p90_s": quantile(res["walls"], 0.9),
                "solve_median_s": statistics.median(res["solves"]),
                "summary": s,
                "solve": plan["solve"],
            }
        )
    header = (
        f"{'case':24} {'median s':>9} {'p90 s':>7} {'solver s':>9} {'target s':>9} "
        f"{'median/target':>14}  plan"
    )
    print(header)
    print("-" * len(header) + "-" * 40)
    for name, med, p90, solve, target, s in rows:
        print(
            f"{name:24} {med:9.3f} {p90:7.3f} {solve:9.3f} {target:9.1f} {med / target:14.2f}  "
            f"{s['met_units']}/{s['demand_units']} units met, {s['met_on_time_units']} on "
            f"time, {s['unmet_units']} unmet, {s['vehicles']} vehicles, {s['km']} km"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
