"""Road-network benchmark: travel-time matrices from `network.routing.RoadRouter.matrix`,
with a cold cache and a warm one, each printed beside scipy.sparse.csgraph.dijkstra on the
same graph with the same edge weights, measured in the same run, so the ratio says what the
router costs over a plain compiled Dijkstra.

    python -m bench.network [--repeats N] [--warmup W] [--json FILE]

bench/README.md explains each number.
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy
from rich import box
from rich.console import Console
from rich.table import Table
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra

from bench._cli import run_main
from network.graph import RoadGraph, load_road_graph
from network.overlays import NO_OVERLAY, Closure, Overlay
from network.routing import RoadRouter

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
#: Closures for case 3 are taken from the edges of this road (the north-south trunk road).
CLOSURE_ROAD = "QL1"
CLOSURE_COUNT = 5


@dataclass(frozen=True)
class BenchParams:
    """What one run measures; checks itself on construction."""

    repeats: int = 20
    warmup: int = 3

    def __post_init__(self) -> None:
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1 (got {self.repeats})")
        if self.warmup < 0:
            raise ValueError(f"warmup must be zero or more (got {self.warmup})")


@dataclass(frozen=True)
class Case:
    """One matrix request: sources x targets under a set of closed edges."""

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    closed: tuple[str, ...] = ()

    @property
    def overlay(self) -> Overlay:
        if not self.closed:
            return NO_OVERLAY
        return Overlay(closures=tuple(Closure(edge_id=e) for e in self.closed))

    @property
    def pairs(self) -> int:
        return len(self.sources) * len(self.targets)


# --------------------------------------------------------------------- results
def _ms(samples: Sequence[float]) -> tuple[float, float]:
    """Median and p90 of seconds, in milliseconds."""
    if len(samples) < 2:
        return samples[0] * 1000, samples[0] * 1000
    p90 = statistics.quantiles(samples, n=10, method="inclusive")[8]
    return statistics.median(samples) * 1000, p90 * 1000


@dataclass
class Timing:
    """Seconds per call for each variant of one case, one value per repeat."""

    case: str
    sources: int
    targets: int
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    scipy_build: list[float] = field(default_factory=list)
    scipy_solve: list[float] = field(default_factory=list)
    #: Cold time split up: view build, Dijkstra trees, the rest of matrix() (= warm call).
    view: list[float] = field(default_factory=list)
    trees: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Chemdepot cold over scipy including the CSR build, on the medians."""
        return statistics.median(self.cold) / statistics.median(self.scipy_build)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("cold", "warm", "scipy_build", "scipy_solve", "view", "trees"):
            median, p90 = _ms(getattr(self, name))
            out[f"{name}_median_ms"] = median
            out[f"{name}_p90_ms"] = p90
        out["ratio_cold_over_scipy_build"] = self.ratio
        return out


@dataclass
class Report:
    machine: dict[str, str]
    params: BenchParams
    graph: dict[str, Any]
    closures: list[dict[str, Any]]
    check: list[str]
    timings: list[Timing] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def agree(self) -> bool:
        return not self.check

    def as_dict(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "params": asdict(self.params),
            "graph": self.graph,
            "closures": self.closures,
            "results_agree": self.agree,
            "mismatches": self.check,
            "timings": [
                {
                    **asdict(t),
                    "samples_unit": "seconds",
                    **t.summary(),
                }
                for t in self.timings
            ],
            "seconds": self.seconds,
        }


def _machine() -> dict[str, str]:
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    cpu = platform.processor() or "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "networkx": nx.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
    }


# ------------------------------------------------------------------------ peer
def build_csr(graph: RoadGraph, closed: frozenset[str]) -> tuple[csr_array, dict[str, int]]:
    """The road graph as a CSR matrix of travel seconds (`graph.edge_seconds`), one entry per
    node pair (the fastest of parallel edges), closed edges left out; and the node index.

    Each pair is stored once (i < j); dijkstra reads it both ways with directed=False.
    Parallel edges are reduced here because a sparse matrix would add them up."""
    index = {node_id: i for i, node_id in enumerate(graph.nodes)}
    best: dict[tuple[int, int], float] = {}
    for edge in graph.edges.values():
        if edge.id in closed:
            continue
        i, j = index[edge.u], index[edge.v]
        key = (i, j) if i < j else (j, i)
        seconds = graph.edge_seconds(edge)
        if seconds < best.get(key, math.inf):
            best[key] = seconds
    n = len(index)
    rows = np.fromiter((k[0] for k in best), dtype=np.int32, count=len(best))
    cols = np.fromiter((k[1] for k in best), dtype=np.int32, count=len(best))
    data = np.fromiter(best.values(), dtype=np.float64, count=len(best))
    return csr_array((data, (rows, cols)), shape=(n, n)), index


def scipy_matrix(
    csr: csr_array, index: dict[str, int], sources: Sequence[str], targets: Sequence[str]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Seconds from every source to every target (inf where unreachable)."""
    src = np.fromiter((index[s] for s in sources), dtype=np.int32, count=len(sources))
    tgt = np.fromiter((index[t] for t in targets), dtype=np.int32, count=len(targets))
    dist = dijkstra(csr, directed=False, indices=src)
    return np.asarray(dist[:, tgt], dtype=np.float64)


# ---------------------------------------------------------------------- set-up
def _depot_nodes(data_dir: Path) -> tuple[str, ...]:
    with (data_dir / "depots.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(row["node_id"].strip() for row in csv.DictReader(fh))


def busiest_edges(graph: RoadGraph, road_ref: str, count: int) -> list[tuple[str, int]]:
    """The `count` edges of `road_ref` that the most fastest routes between node pairs use
    on the open graph (ties by edge id), skipping any whose closure, together with those
    already picked, would cut the graph in two. Returns (edge id, routes using it)."""
    csr, index = build_csr(graph, frozenset())
    _dist, pred = dijkstra(csr, directed=False, return_predecessors=True)
    n = len(index)
    # Per node pair, the edge the fastest route runs on (the same rule as the router's view).
    fastest: dict[tuple[int, int], tuple[float, str]] = {}
    for edge in graph.edges.values():
        i, j = index[edge.u], index[edge.v]
        key = (i, j) if i < j else (j, i)
        candidate = (graph.edge_seconds(edge), edge.id)
        if key not in fastest or candidate < fastest[key]:
            fastest[key] = candidate
    use: Counter[str] = Counter()
    for s in range(n):
        for t in range(n):
            v = t
            while v != s and pred[s, v] >= 0:
                u = int(pred[s, v])
                use[fastest[(u, v) if u < v else (v, u)][1]] += 1
                v = u
    ranked = sorted(
        (e.id for e in graph.edges.values() if e.road_ref == road_ref),
        key=lambda e: (-use[e], e),
    )
    picked: list[tuple[str, int]] = []
    for edge_id in ranked:
        if len(picked) == count:
            break
        trial = frozenset([*(e for e, _ in picked), edge_id])
        parts, _labels = connected_components(build_csr(graph, trial)[0], directed=False)
        if parts == 1:
            picked.append((edge_id, use[edge_id]))
    return picked


def compare(graph: RoadGraph, case: Case) -> list[str]:
    """Chemdepot's integer seconds against scipy's rounded ones for every pair; the
    mismatches as text (at most the first 5)."""
    matrix = RoadRouter(graph).matrix(case.sources, case.targets, case.overlay)
    csr, index = build_csr(graph, frozenset(case.closed))
    peer = scipy_matrix(csr, index, case.sources, case.targets)
    problems: list[str] = []
    for i, s in enumerate(case.sources):
        for j, t in enumerate(case.targets):
            ours = matrix.seconds[i][j]
            theirs = float(peer[i, j])
            expected = None if math.isinf(theirs) else round(theirs)
            if ours != expected:
                problems.append(
                    f"{case.name}: {s} -> {t}: chemdepot {ours} s, scipy {theirs:.3f} s"
                )
                if len(problems) >= 5:
                    return problems
    return problems


# ------------------------------------------------------------------------ runs
def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _split_cold(graph: RoadGraph, overlay: Overlay, sources: Sequence[str]) -> tuple[float, float]:
    """Where the cold time goes, on a new router: seconds to build the view (overlay applied,
    networkx graphs built), then to grow one Dijkstra tree (with paths) per source. The rest
    of a cold matrix() call is what a warm call does."""
    router = RoadRouter(graph)
    gc.collect()
    start = time.perf_counter()
    view = router.view(overlay)
    built = time.perf_counter()
    for s in sources:
        view.tree("raw", s)
    return built - start, time.perf_counter() - built


def _time_case(graph: RoadGraph, case: Case, params: BenchParams) -> Timing:
    """All variants back to back in each repeat, so drift on the machine hits them alike."""
    overlay = case.overlay
    closed = frozenset(case.closed)
    sources, targets = case.sources, case.targets
    warm_router = RoadRouter(graph)
    csr, index = build_csr(graph, closed)

    def cold() -> None:
        RoadRouter(graph).matrix(sources, targets, overlay)

    def warm() -> None:
        warm_router.matrix(sources, targets, overlay)

    def with_build() -> None:
        fresh, fresh_index = build_csr(graph, closed)
        scipy_matrix(fresh, fresh_index, sources, targets)

    def solve() -> None:
        scipy_matrix(csr, index, sources, targets)

    timing = Timing(case.name, len(sources), len(targets))
    for _ in range(params.warmup):
        for call in (cold, warm, with_build, solve):
            call()
    warm()  # the warm router's cache is hot even with --warmup 0
    for _ in range(params.repeats):
        for call, samples in (
            (cold, timing.cold),
            (warm, timing.warm),
            (with_build, timing.scipy_build),
            (solve, timing.scipy_solve),
        ):
            gc.collect()
            samples.append(_timed(call))
        view_s, trees_s = _split_cold(graph, overlay, sources)
        timing.view.append(view_s)
        timing.trees.append(trees_s)
    return timing


def run_bench(params: BenchParams, log: Callable[[str], None]) -> Report:
    started = time.perf_counter()
    graph = load_road_graph(DATA_DIR)
    nodes = tuple(graph.nodes)
    depots = _depot_nodes(DATA_DIR)
    log(f"picking {CLOSURE_COUNT} busy {CLOSURE_ROAD} edges to close")
    picked = busiest_edges(graph, CLOSURE_ROAD, CLOSURE_COUNT)
    closed = tuple(e for e, _ in picked)
    cases = [
        Case("depots x all", depots, nodes),
        Case("all x all", nodes, nodes),
        Case(f"all x all, {len(closed)} closed", nodes, nodes, closed),
    ]
    pairs = len(build_csr(graph, frozenset())[0].data)
    open_m = RoadRouter(graph).matrix(nodes, nodes)
    closed_m = RoadRouter(graph).matrix(nodes, nodes, cases[2].overlay)
    changed = sum(
        a != b
        for ra, rb in zip(open_m.seconds, closed_m.seconds, strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    graph_info: dict[str, Any] = {
        "version": graph.version,
        "nodes": len(graph.nodes),
        "edges": len(graph.edges),
        "node_pairs": pairs,
        "depots": len(depots),
        "pairs_changed_by_closures": changed,
    }
    closures = [
        {
            "edge_id": e,
            "from": graph.edges[e].u,
            "to": graph.edges[e].v,
            "road_ref": graph.edges[e].road_ref,
            "routes_using_it": uses,
        }
        for e, uses in picked
    ]
    log("checking chemdepot against scipy on every pair")
    problems = [p for case in cases for p in compare(graph, case)]
    report = Report(_machine(), params, graph_info, closures, problems[:5])
    for case in cases:
        log(f"timing {case.name}: {params.warmup} warm-up + {params.repeats} repeat(s)")
        report.timings.append(_time_case(graph, case, params))
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------- output
def render(report: Report, console: Console) -> None:
    m, p, g = report.machine, report.params, report.graph
    console.print("chemdepot road-network benchmark")
    console.print(f"machine     nproc {m['nproc']}, {m['cpu']}, {m['platform']}")
    console.print(
        f"python      {m['python']}  (networkx {m['networkx']}, scipy {m['scipy']}, "
        f"numpy {m['numpy']})"
    )
    console.print(
        f"graph       version {g['version']}: {g['nodes']} nodes, {g['edges']} edges "
        f"({g['node_pairs']} node pairs after keeping the fastest parallel edge), "
        f"{g['depots']} depots"
    )
    console.print(
        f"closures    the {len(report.closures)} {CLOSURE_ROAD} edges on the most fastest routes "
        f"between node pairs; they change {g['pairs_changed_by_closures']:,} of "
        f"{g['nodes'] ** 2:,} all x all pairs"
    )
    names = [
        f"{c['edge_id']} {c['from']}-{c['to']} ({c['routes_using_it']} routes)"
        for c in report.closures
    ]
    for start in range(0, len(names), 3):
        console.print("            " + ", ".join(names[start : start + 3]))
    console.print(
        f"run         {p.warmup} warm-up run(s), then median and p90 of {p.repeats} repeat(s), "
        "time.perf_counter"
    )
    if report.agree:
        console.print("check       results agree (chemdepot seconds = scipy seconds rounded)")
    else:
        console.print(f"check       MISMATCH: {report.check[0]}")
    console.print()

    table = Table(
        title="Travel-time matrix, ms per call: RoadRouter.matrix(sources, targets, overlay)\n"
        "cold = new RoadRouter per call: the overlay view and the Dijkstra trees are built "
        "inside the timing\n"
        "warm* = CACHED: the same router again, view and trees reused from its cache\n"
        "scipy = scipy.sparse.csgraph.dijkstra(csr, directed=False, indices=sources); "
        "+CSR = CSR matrix built from the RoadGraph in the timing",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("case")
    table.add_column("pairs", justify="right")
    for column in (
        "cold med",
        "cold p90",
        "warm* med",
        "warm* p90",
        "scipy+CSR med",
        "p90",
        "scipy med",
        "p90",
        "cold / scipy+CSR",
    ):
        table.add_column(column, justify="right")
    for t in report.timings:
        cold, cold90 = _ms(t.cold)
        warm, warm90 = _ms(t.warm)
        build, build90 = _ms(t.scipy_build)
        solve, solve90 = _ms(t.scipy_solve)
        table.add_row(
            t.case,
            f"{t.sources} x {t.targets}",
            f"{cold:.2f}",
            f"{cold90:.2f}",
            f"{warm:.2f}",
            f"{warm90:.2f}",
            f"{build:.3f}",
            f"{build90:.3f}",
            f"{solve:.3f}",
            f"{solve90:.3f}",
            f"{t.ratio:.0f}x",
        )
    console.print(table)

    split = Table(
        title="Where the cold time goes (medians, ms; measured apart on a new router)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    split.add_column("case")
    for column in ("view()", "trees", "rest of matrix() = warm", "sum", "cold"):
        split.add_column(column, justify="right")
    for t in report.timings:
        view = statistics.median(t.view) * 1000
        trees = statistics.median(t.trees) * 1000
        warm = statistics.median(t.warm) * 1000
        split.add_row(
            t.case,
            f"{view:.2f}",
            f"{trees:.2f}",
            f"{warm:.2f}",
            f"{view + trees + warm:.2f}",
            f"{statistics.median(t.cold) * 1000:.2f}",
        )
    console.print(split)
    console.print(f"  total {report.seconds:.1f} s")


def _params_from_args(argv: Sequence[str] | None) -> tuple[BenchParams, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.network",
        description="Travel-time matrices from RoadRouter.matrix (cold and warm cache) "
        "against scipy.sparse.csgraph.dijkstra on the same graph, measured in the same run.",
    )
    parser.add_argument(
        "--repeats", type=int, default=20, help="timed runs per variant (default 20)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed runs per variant first (default 3)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    return BenchParams(repeats=args.repeats, warmup=args.warmup), args.json


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        "bench.network",
        lambda: _params_from_args(argv),
        run_bench,
        render,
        lambda report: report.agree,
    )


if __name__ == "__main__":
    sys.exit(main())
