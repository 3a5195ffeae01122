"""The stock-levels scaling bench on the seeded data: one tiny run of its main (two scenario
counts, every method, evaluation in process, on local processes and on a Dask cluster),
then its table, its JSON rows and its verdicts; and the arithmetic of the verdicts alone."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

import pytest

from bench.stock_levels import (
    METHODS,
    BenchParams,
    Report,
    SolveRow,
    fitted_growth,
    main,
    peak_rss_mib,
    reset_peak_rss,
    verdicts,
)
from optimizer.stock_levels import AUTO_DECOMPOSE_ABOVE

COUNTS = (20, 40)
GAP = 0.01
#: the solvers' feasibility tolerance, relative
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Run:
    status: int
    table: str
    rows: dict[str, Any]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("bench") / "levels.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    args = ["--counts", ",".join(map(str, COUNTS)), "--time-limit", "20", "--gap", str(GAP),
            "--eval-repeats", "1", "--json", str(out)]  # fmt: skip
    with redirect_stdout(stdout), redirect_stderr(stderr):
        status = main(args)
    return Run(status, stdout.getvalue(), json.loads(out.read_text()))


def solve_row(count: int, method: str, *, wall: float = 1.0, **kw: Any) -> SolveRow:
    values: dict[str, Any] = {"ran": method, "status": "optimal", "objective": 100.0,
                              "bound": 99.5, "gap": 0.005, "peak_rss_mib": 500.0}  # fmt: skip
    values.update(kw)
    return SolveRow(count=count, method=method, wall_s=wall, **values)


def report_of(*rows: SolveRow) -> Report:
    return Report(BenchParams(methods=("extensive", "decomposition")), "test", solves=list(rows))


@pytest.mark.slow
def test_the_tiny_run_solves_every_count_with_every_method_to_the_requested_gap(run: Run) -> None:
    solves = run.rows["solves"]

    assert run.status == 0
    assert [(r["count"], r["method"]) for r in solves] == [(c, m) for c in COUNTS for m in METHODS]
    for r in solves:
        assert r["status"] == "optimal", r
        assert r["gap"] <= GAP + 1e-12
        assert r["bound"] <= r["objective"] * (1 + TOLERANCE)
        assert r["wall_s"] > 0 and r["peak_rss_mib"] > 0
        assert r["ms_per_scenario"] == pytest.approx(1000 * r["wall_s"] / r["count"])


@pytest.mark.slow
def test_the_extensive_form_and_the_decomposition_agree_within_the_gap(run: Run) -> None:
    for count in COUNTS:
        by = {r["method"]: r for r in run.rows["solves"] if r["count"] == count}
        ext, dec = by["extensive"], by["decomposition"]
        slack = TOLERANCE * abs(ext["objective"])

        # each method's levels cost no less than what the other proved no levels can beat
        assert dec["objective"] >= ext["bound"] - slack
        assert ext["objective"] >= dec["bound"] - slack
        assert abs(dec["objective"] - ext["objective"]) <= GAP * abs(ext["objective"])
        assert by["auto"]["ran"] == (
            "decomposition" if count > AUTO_DECOMPOSE_ABOVE else "extensive"
        )


@pytest.mark.slow
def test_the_problems_are_the_seeded_ones_and_grow_with_the_scenarios(run: Run) -> None:
    small, large = run.rows["instances"]

    assert (small["count"], large["count"]) == COUNTS
    assert small["depots"] == large["depots"] > 1
    assert large["lines"] > small["lines"] >= small["count"]
    assert large["routes"] > small["routes"]
    assert small["levels"] <= small["depots"] * small["items"]


@pytest.mark.slow
def test_evaluation_of_todays_stock_gives_the_same_readiness_wherever_it_runs(run: Run) -> None:
    evals = run.rows["evaluations"]

    assert [e["where"] for e in evals] == [
        "in process",
        "2 local processes",
        "Dask LocalCluster, 2 workers",
    ]
    for e in evals:
        assert e["scenarios"] == max(COUNTS)
        assert e["same"] is True
        assert e["rate"] > 0 and len(e["walls"]) == 1
        assert 0 <= e["served_share"] <= 1
    assert evals[0]["over_in_process"] == 1.0


@pytest.mark.slow
def test_the_table_shows_every_row_and_says_the_large_targets_were_not_measured(run: Run) -> None:
    lines = run.table.splitlines()
    solve_lines = [ln for ln in lines if ln.split()[:1] in ([str(c)] for c in COUNTS)]

    assert len(solve_lines) == len(COUNTS) * (1 + len(METHODS))  # the problems and the solves
    for method in METHODS:
        assert sum(method in ln.split() for ln in solve_lines) == len(COUNTS)
    assert any("1,000 scenarios" in ln and "not measured" in ln for ln in lines)
    verdict_rows = {v["target"]: v for v in run.rows["verdicts"] if v["method"] == "extensive"}
    assert all(v["met"] is None for t, v in verdict_rows.items() if "scenarios:" in t)
    assert run.rows["errors"] == []


def test_bad_arguments_are_refused_before_anything_runs() -> None:
    with redirect_stderr(io.StringIO()) as err:
        assert main(["--counts", "0,20"]) == 2
        assert main(["--methods", "extensive,simplex"]) == 2
        assert main(["--counts", "twenty"]) == 2

    assert "--counts" in err.getvalue() and "--methods" in err.getvalue()


def test_wall_time_in_proportion_to_the_count_grows_linearly_and_its_square_does_not() -> None:
    linear = [solve_row(n, "extensive", wall=0.01 * n) for n in (50, 200, 1000)]
    square = [solve_row(n, "decomposition", wall=1e-4 * n * n) for n in (50, 200, 1000)]
    found = {v.method: v for v in verdicts(report_of(*linear, *square)) if "linearly" in v.target}

    assert fitted_growth(linear, "extensive") == pytest.approx(1.0)
    assert fitted_growth(square, "decomposition") == pytest.approx(2.0)
    assert found["extensive"].met is True
    assert found["decomposition"].met is False


def test_a_solve_meets_the_1000_target_only_under_the_gap_and_the_time() -> None:
    rows = (
        solve_row(1000, "extensive", wall=59.0, gap=0.009),
        solve_row(1000, "decomposition", wall=61.0, gap=0.001),
    )
    found = {v.method: v.met for v in verdicts(report_of(*rows)) if v.target.startswith("1,000")}
    late_gap = solve_row(1000, "extensive", wall=10.0, gap=0.011, status="feasible")
    loose = {v.method: v.met for v in verdicts(report_of(late_gap)) if "1,000" in v.target}

    assert found == {"extensive": True, "decomposition": False}
    assert loose["extensive"] is False
    assert loose["decomposition"] is None  # not measured


def test_the_5000_target_counts_the_memory_too() -> None:
    heavy = solve_row(5000, "extensive", wall=100.0, peak_rss_mib=9 * 1024)
    light = solve_row(5000, "decomposition", wall=100.0, peak_rss_mib=2 * 1024)
    found = {v.method: v.met for v in verdicts(report_of(heavy, light)) if "5,000" in v.target}

    assert found == {"extensive": False, "decomposition": True}


def test_a_crashed_solve_meets_no_target() -> None:
    nan = math.nan
    crashed = solve_row(1000, "extensive", wall=1.0, status="error", objective=nan, gap=nan)
    found = [v for v in verdicts(report_of(crashed)) if v.method == "extensive"]

    assert found[0].met is False
    assert found[-1].met is None  # one count: no growth to fit


def test_the_peak_memory_after_a_reset_counts_what_was_allocated_since() -> None:
    if not reset_peak_rss():
        pytest.skip("this system cannot reset the peak RSS")
    before = peak_rss_mib()
    block = b"x" * (64 * 1024 * 1024)
    grown = peak_rss_mib()
    del block
    reset_peak_rss()

    assert grown >= before + 60
    assert peak_rss_mib() < grown - 60
