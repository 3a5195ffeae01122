"""Procurement to 2030 over HTTP: a run as a job whose JSON tables are its workbook and
whose charts are PNGs, with readiness every year; a budget cut compared with the base
run; bad input refused naming the field with nothing written; a retried request starting
no second job."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select

from api.jobs import JobRunner
from api.procurement_outputs import SHEET_COLUMNS
from api.services import Database
from inventory.procurement_data import load_procurement_data
from inventory.procurement_models import ProcurementOrder, ProcurementRun
from tests.api.api_support import Api, assert_problem, new_key
from tests.conftest import DATA

#: Two depots and three items over three years keep a run short.
RUN: dict[str, Any] = {
    "first_year": 2026,
    "last_year": 2028,
    "time_limit_s": 20,
    "gap": 0.01,
    "readiness_scenarios": 12,
    "seed": 1,
    "depots": ["D-HNI", "D-HPG"],
    "items": ["PPE-A-LU", "DEC-HTH", "RSP-SCBA"],
}
PNG = b"\x89PNG\r\n\x1a\n"
#: the suppliers and production lines of data/, those of the run's items first
SOURCES = [
    s.code
    for s in sorted(
        load_procurement_data(DATA).sources, key=lambda s: (s.item not in RUN["items"], s.code)
    )
]
#: a new chemical plant beside Hanoi, ten times as likely to leak as most
HAZARD = {
    "name": "Nhà máy hóa chất mới",
    "lat": 21.1,
    "lon": 105.9,
    "template": "chemical_release.provincial",
    "annual_likelihood": 0.1,
}


class InlineRunner:
    """Runs each job to its end inside the request (the app's pool spawns processes)."""

    def __init__(self) -> None:
        self.submitted: list[int] = []

    def submit(self, db_url: str, job_id: int, fn: str, args: dict[str, Any]) -> None:
        self.submitted.append(job_id)
        JobRunner().run_inline(db_url, job_id, fn, args)

    def shutdown(self, *, wait: bool = True) -> None:
        pass


def _inline(api: Api) -> InlineRunner:
    runner = InlineRunner()
    api.client.app.state.jobs = runner  # type: ignore[attr-defined]
    return runner


def _run(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post("/procurement/runs", json={**RUN, **body})
    assert response.status_code == 202, response.text
    started: dict[str, Any] = response.json()
    job = api.get(started["job_url"])
    assert job["status"] == "succeeded", job
    run: dict[str, Any] = api.get(started["run_url"])
    return run


def assert_same_table(frame: pd.DataFrame, rows: list[dict[str, Any]], name: str) -> None:
    """A sheet read back holds the JSON table's rows, cell by cell (numbers within 1e-9);
    the sheet's bilingual headers are found through `SHEET_COLUMNS`."""
    assert len(frame) == len(rows), name
    headers = {c.key: c.header for c in SHEET_COLUMNS[name]}
    for n, row in enumerate(rows):
        for column, value in row.items():
            cell = frame[headers[column]].iloc[n]
            if value is None:
                assert pd.isna(cell), (name, n, column)
            elif isinstance(value, bool | str):
                assert str(cell) == str(value), (name, n, column)
            else:
                assert float(cell) == pytest.approx(float(value), rel=1e-9), (name, n, column)


def _runs(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count(ProcurementRun.id))) or 0)


def test_a_run_finishes_with_tables_that_are_its_workbook_png_charts_and_yearly_readiness(
    api: Api,
) -> None:
    _inline(api)
    run = _run(api)

    assert run["status"] == "succeeded"
    assert run["params"]["keep"] == "cells"  # the default: no cell traded for money
    assert "every target cell kept" in run["message"]
    assert [r["year"] for r in run["readiness"]] == [2026, 2027, 2028]
    assert all(0 <= r["served_share"] <= 1 for r in run["readiness"])
    assert run["readiness_today"] is not None
    xlsx = api.client.get(run["workbook"])
    assert xlsx.status_code == 200, xlsx.text
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert run["tables"], "a finished run has tables"
    for name, rows in run["tables"].items():
        assert_same_table(sheets[name[:31]], rows, name)
    for link in run["charts"]:
        png = api.client.get(link)
        assert png.status_code == 200, link
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(PNG)


def test_a_twenty_percent_cut_in_2027_spends_less_that_year_and_is_never_more_ready(
    api: Api,
) -> None:
    _inline(api)
    everything: dict[str, Any] = {
        "items": [],
        "depots": [],
    }  # the whole catalogue: the budget binds
    base = _run(api, **everything)
    cut = _run(api, **everything, what_ifs={"budget_cuts": [{"year": 2027, "percent": 20}]})

    compared = api.client.post("/procurement/compare", json={"runs": [base["id"], cut["id"]]})
    assert compared.status_code == 200, compared.text
    by = {(r["run_id"], r["year"]): r for r in compared.json()["years"]}
    assert by[(base["id"], 2027)]["spend_vnd"] > 0.8 * by[(base["id"], 2027)]["budget_vnd"], (
        "the base run spends more than the cut leaves in 2027, or the cut would change nothing"
    )
    assert compared.json()["table"], "the comparison as the workbook has it"
    assert by[(cut["id"], 2027)]["spend_vnd"] < by[(base["id"], 2027)]["spend_vnd"]
    for year in (2026, 2027, 2028):
        assert by[(cut["id"], year)]["served_share"] <= by[(base["id"], year)]["served_share"]
    assert cut["label"] == "2027 budget -20 %"
    png = api.client.get(compared.json()["chart"])
    assert png.status_code == 200 and png.content.startswith(PNG)


def test_runs_under_a_delay_a_lost_supplier_and_a_new_hazard_finish_and_say_so(
    api: Api, seeded_sqlite: Database
) -> None:
    _inline(api)
    what_ifs = {
        "delays": [{"source": SOURCES[0], "years": 2}],
        "lost_sources": SOURCES[1:2],
        "new_hazards": [HAZARD],
    }
    run = _run(api, what_ifs=what_ifs)

    assert run["status"] == "succeeded"
    assert SOURCES[0] in run["label"] and "new hazard" in run["label"]
    assert run["what_ifs"]["new_hazards"][0]["template"] == HAZARD["template"]
    assert [r["year"] for r in run["readiness"]] == [2026, 2027, 2028]
    with seeded_sqlite.sessions() as session:
        ordered = set(
            session.scalars(
                select(ProcurementOrder.source).where(ProcurementOrder.run_id == run["id"])
            )
        )
    assert not ordered & set(SOURCES[1:2]), "a lost supplier gets no order"


BAD: list[tuple[dict[str, Any], str]] = [
    ({"first_year": 2028, "last_year": 2027}, "last_year"),
    ({"last_year": 2041}, "last_year"),
    ({"what_ifs": {"budget_cuts": [{"year": 2027, "percent": -5}]}}, "percent"),
    ({"what_ifs": {"budget_cuts": [{"year": 2027, "percent": 120}]}}, "percent"),
    ({"what_ifs": {"budget_cuts": [{"year": 2035, "percent": 10}]}}, "year"),
    ({"what_ifs": {"delays": [{"source": "NO-SUCH-SOURCE", "years": 1}]}}, "source"),
    ({"what_ifs": {"lost_sources": ["NO-SUCH-SOURCE"]}}, "source"),
    ({"what_ifs": {"delays": [{"source": SOURCES[0], "years": -1}]}}, "years"),
    ({"what_ifs": {"new_hazards": [{**HAZARD, "template": "no_such.template"}]}}, "template"),
    ({"items": ["NO-SUCH-ITEM"]}, "items"),
    ({"depots": ["D-NOWHERE"]}, "depots"),
    ({"keep": "rows"}, "keep"),
    ({"solver": "gurobi"}, "solver"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_is_refused_naming_its_field_and_writes_no_run(
    api: Api, seeded_sqlite: Database, change: dict[str, Any], field: str
) -> None:
    runner = _inline(api)
    response = api.client.post("/procurement/runs", json={**RUN, **change})
    assert_problem(response, 422, field)
    assert _runs(seeded_sqlite) == 0
    assert runner.submitted == []


def test_unknown_runs_unfinished_runs_and_unknown_charts_are_refused(
    api: Api, seeded_sqlite: Database
) -> None:
    runner = _inline(api)
    run = _run(api)
    assert_problem(api.client.get("/procurement/runs/999"), 404, "run_id")
    assert_problem(api.client.post("/procurement/compare", json={"runs": [999]}), 404)
    chart = api.client.get(f"/procurement/runs/{run['id']}/charts/pie.png")
    assert_problem(chart, 422, "path.name")

    runner.submit = lambda *args: None  # type: ignore[method-assign]  # the job never runs
    waiting = api.client.post("/procurement/runs", json=RUN).json()
    compared = api.client.post(
        "/procurement/compare", json={"runs": [run["id"], waiting["run_id"]]}
    )
    assert_problem(compared, 409, "runs")
    assert_problem(
        api.client.get(f"/procurement/compare.png?runs={waiting['run_id']}"), 409, "runs"
    )
    assert _runs(seeded_sqlite) == 2


def test_a_retried_request_with_its_idempotency_key_starts_no_second_job(
    api: Api, seeded_sqlite: Database
) -> None:
    runner = _inline(api)
    key = new_key()
    first = api.client.post("/procurement/runs", json=RUN, headers={"Idempotency-Key": key})
    again = api.client.post("/procurement/runs", json=RUN, headers={"Idempotency-Key": key})

    assert first.status_code == again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["run_id"] == first.json()["run_id"]
    assert len(runner.submitted) == 1
    assert _runs(seeded_sqlite) == 1
    listed = api.get("/procurement/runs")
    assert listed["total"] == 1 and listed["items"][0]["status"] == "succeeded"
