"""Posting movements and reading stock through HTTP: throughput and p50 / p99 latency of
`chemdepot serve` (real uvicorn, loopback, PostgreSQL or the embedded SQLite of `make run`)
under N concurrent clients, beside a
bare FastAPI endpoint served by the same uvicorn in the same run (the ceiling), and the
books checked after the load: no posting lost or doubled, no negative balance, no 5xx.
The reads are `GET /stock?depot=D-HNI&limit=50` against a bare endpoint returning the same
page (`bench/api_reads.py`).

    python -m bench.api [--backend postgresql|sqlite] [--clients 16] [--seconds 10] [--rounds 2]
                        [--read-clients 8] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from api.services import Database, init_database
from api.settings import Settings
from bench._cli import run_main
from bench.api_reads import read_rounds
from bench.http_load import BooksReport, LoadParams, LoadResult, check_books, choose_lanes, run_load
from bench.http_server import ServerProcess, start_asgi, start_chemdepot

# The ledger benchmark's PostgreSQL helpers: a database of our own, the machine's header.
from bench.ledger import (
    _Backend,
    _loadavg,
    _machine,
    _postgres_backend,
    _probe_postgres,
    _sqlite_backend,
)

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BARE_APP = "bench._bare_app:app"


#: the read the issue measured: a depot's stock page of 50
READ_PATH = "/stock?depot=D-HNI&limit=50"


@dataclass(frozen=True)
class ApiParams:
    load: LoadParams
    rounds: int
    warmup_s: float
    postgres_url: str
    read_clients: int = 8
    read_path: str = READ_PATH
    #: "postgresql", or "sqlite": a fresh file database, as `make run` serves
    backend: str = "postgresql"


@dataclass
class Endpoint:
    """One server's rounds: requests per second of each round, every send's latency."""

    name: str
    per_second: list[float] = field(default_factory=list)
    sends: list[tuple[float, int]] = field(default_factory=list)

    def add(self, result: LoadResult) -> None:
        self.per_second.append(result.per_second())
        self.sends.extend(result.sends)

    def summary(self) -> dict[str, Any]:
        pooled = LoadResult([], self.sends, 1.0)
        p50, p99 = pooled.latency_ms()
        statuses = pooled.statuses()
        return {
            "name": self.name,
            "per_second": statistics.median(self.per_second) if self.per_second else 0.0,
            "p50_ms": p50,
            "p99_ms": p99,
            "2xx": sum(n for s, n in statuses.items() if 200 <= s < 300),
            "4xx": sum(n for s, n in statuses.items() if 400 <= s < 500),
            "5xx": sum(n for s, n in statuses.items() if s >= 500),
            "dropped": statuses[0],
        }


@dataclass
class ApiReport:
    machine: dict[str, str]
    params: ApiParams
    ours: Endpoint
    bare: Endpoint
    books: BooksReport | None = None
    reads_ours: Endpoint = field(default_factory=lambda: Endpoint(f"chemdepot GET {READ_PATH}"))
    reads_bare: Endpoint = field(default_factory=lambda: Endpoint("bare FastAPI GET /stock"))
    #: answers of ours to the reads that were not the page the bare endpoint serves
    reads_wrong: int = 0
    server_errors: int = 0
    notes: list[str] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0

    def ratios(self) -> tuple[float, float]:
        """(ours / bare throughput, ours / bare p50 latency)."""
        ours, bare = self.ours.summary(), self.bare.summary()
        throughput = ours["per_second"] / bare["per_second"] if bare["per_second"] else 0.0
        latency = ours["p50_ms"] / bare["p50_ms"] if bare["p50_ms"] else 0.0
        return throughput, latency

    def read_ratio(self) -> float:
        """ours / bare throughput of the reads (the issue's target: at least 0.5)."""
        ours, bare = self.reads_ours.summary(), self.reads_bare.summary()
        return ours["per_second"] / bare["per_second"] if bare["per_second"] else 0.0

    def passed(self) -> bool:
        return (
            self.books is not None
            and not self.books.problems()
            and not self.server_errors
            and not self.reads_wrong
            and not self.reads_ours.summary()["5xx"]
        )

    def as_dict(self) -> dict[str, Any]:
        throughput, latency = self.ratios()
        return {
            "machine": self.machine,
            "params": asdict(self.params),
            "endpoints": [self.ours.summary(), self.bare.summary()],
            "throughput_ratio": throughput,
            "p50_ratio": latency,
            "books": asdict(self.books) if self.books else None,
            "reads": [self.reads_ours.summary(), self.reads_bare.summary()],
            "read_throughput_ratio": self.read_ratio(),
            "reads_wrong": self.reads_wrong,
            "server_errors": self.server_errors,
            "notes": self.notes,
            "load_before": self.load_before,
            "load_after": self.load_after,
        }


def _rounds(
    ours: ServerProcess, bare: ServerProcess, params: ApiParams, log: Callable[[str], None]
) -> tuple[Endpoint, Endpoint, list[LoadResult]]:
    """Warm both up, then alternate bare and ours, so drift on the machine hits both."""
    with ours.client() as client:
        lanes = choose_lanes(client)
    log(f"lanes: {[(lane.item, lane.depots) for lane in lanes]}")
    warm = LoadParams(clients=2, seconds=params.warmup_s, seed=params.load.seed + 1)
    results = [run_load(ours, lanes, warm, drain=False)]
    run_load(bare, lanes, warm, drain=False)
    mine, ceiling = Endpoint("chemdepot POST /movements"), Endpoint("bare FastAPI POST")
    for n in range(params.rounds):
        seeded = LoadParams(**{**asdict(params.load), "seed": params.load.seed + 10 * n})
        ceiling.add(run_load(bare, lanes, seeded, drain=False))
        log(f"round {n + 1}: bare {ceiling.per_second[-1]:.0f} req/s")
        results.append(run_load(ours, lanes, seeded))
        mine.add(results[-1])
        log(f"round {n + 1}: chemdepot {mine.per_second[-1]:.0f} req/s")
    return mine, ceiling, results


def _backend(params: ApiParams) -> AbstractContextManager[_Backend]:
    if params.backend == "sqlite":
        return _sqlite_backend()
    return _postgres_backend(params.postgres_url)


def run_bench(params: ApiParams, log: Callable[[str], None]) -> ApiReport:
    pg_info, pg_problem = _probe_postgres(params.postgres_url)
    report = ApiReport(
        _machine(pg_info, pg_problem),
        params,
        Endpoint("chemdepot POST /movements"),
        Endpoint("bare FastAPI POST"),
        load_before=_loadavg(),
    )
    if pg_info is None and params.backend == "postgresql":
        report.notes.append(f"PostgreSQL not reachable at {params.postgres_url}: {pg_problem}")
        return report
    with _backend(params) as backend:
        log("migrating and seeding the benchmark database")
        init_database(Settings(database_url=backend.url))
        ours = start_chemdepot(backend.url)
        bare = start_asgi(BARE_APP)
        log(f"servers up (chemdepot {ours.started_s:.1f} s, bare {bare.started_s:.1f} s)")
        try:
            report.ours, report.bare, results = _rounds(ours, bare, params, log)
            mine, ceiling, report.reads_wrong = read_rounds(
                ours,
                params.read_path,
                clients=params.read_clients,
                seconds=params.load.seconds,
                rounds=params.rounds,
                log=log,
            )
            report.reads_ours.name = f"chemdepot GET {params.read_path}"
            for result in mine:
                report.reads_ours.add(result)
            for result in ceiling:
                report.reads_bare.add(result)
        finally:
            ours.stop()
            bare.stop()
        merged = LoadResult([r for res in results for r in res.requests], [], 1.0)
        report.server_errors = len(merged.server_errors())
        db = Database(backend.url)
        try:
            report.books = check_books(db, merged)
        finally:
            db.dispose()
    report.load_after = _loadavg()
    return report


def render(report: ApiReport, console: Console) -> None:
    m, p = report.machine, report.params
    console.print("chemdepot HTTP benchmark: posting movements through the API")
    console.print(f"machine     nproc {m['nproc']}, {m['cpu']}, {m['platform']}")
    console.print(f"python      {m['python']}; postgresql {m['postgresql']}")
    console.print(f"database    {p.backend}")
    console.print(
        f"load        {p.load.clients} clients x {p.load.seconds:.0f} s x {p.rounds} rounds "
        f"(retries {p.load.retry_share:.0%}, twin sends {p.load.twin_share:.0%}); "
        f"load average {report.load_before:.2f} before, {report.load_after:.2f} after"
    )
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(_endpoint_table(None, report.ours, report.bare))
    throughput, latency = report.ratios()
    console.print(f"ours / bare: throughput {throughput:.2f}, p50 latency {latency:.1f}x")
    _render_reads(report, console)
    books = report.books
    if books is None:
        console.print("[red]books not checked[/]")
        return
    verdict = "[green]hold[/]" if report.passed() else "[red]BROKEN[/]"
    console.print(
        f"books {verdict}: {books.accepted} accepted requests, {books.postings} movements; "
        f"lost {len(books.lost)}, posted twice {len(books.duplicated)}, "
        f"negative balances {books.negative_balances}, "
        f"check_ledger problems {len(books.ledger_problems)}, 5xx {report.server_errors}"
    )
    for problem in books.problems()[:10]:
        console.print(f"  [red]{problem}[/]")


def _endpoint_table(title: str | None, *endpoints: Endpoint) -> Table:
    table = Table(box=box.SIMPLE_HEAVY, title=title, title_justify="left")
    for col in ("endpoint", "req/s", "p50 ms", "p99 ms", "2xx", "4xx", "5xx", "dropped"):
        table.add_column(col, justify="left" if col == "endpoint" else "right")
    for endpoint in endpoints:
        s = endpoint.summary()
        table.add_row(
            s["name"],
            f"{s['per_second']:.0f}",
            f"{s['p50_ms']:.1f}",
            f"{s['p99_ms']:.1f}",
            *(str(s[k]) for k in ("2xx", "4xx", "5xx", "dropped")),
        )
    return table


def _render_reads(report: ApiReport, console: Console) -> None:
    title = f"reads: {report.params.read_clients} clients, the same page from both servers"
    console.print(_endpoint_table(title, report.reads_ours, report.reads_bare))
    ratio = report.read_ratio()
    verdict = "met" if ratio >= 0.5 else "not met"
    console.print(
        f"reads ours / bare: throughput {ratio:.2f} (target at least 0.50: {verdict}); "
        f"answers that were not the page: {report.reads_wrong}"
    )


def _params_from_args(argv: Sequence[str] | None) -> tuple[ApiParams, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api",
        description="Posting movements through HTTP against a bare FastAPI endpoint.",
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per round (10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each endpoint (2)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CHEMDEPOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="admin URL; the benchmark creates and drops chemdepot_bench_<pid> there",
    )
    parser.add_argument("--read-clients", type=int, default=8, help="clients of the reads (8)")
    parser.add_argument(
        "--backend",
        choices=["postgresql", "sqlite"],
        default="postgresql",
        help="the database chemdepot serves from (postgresql)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.rounds < 1 or args.read_clients < 1:
        raise ValueError("--clients, --read-clients, --seconds and --rounds must be positive")
    load = LoadParams(clients=args.clients, seconds=args.seconds, seed=args.seed)
    params = ApiParams(
        load,
        args.rounds,
        min(2.0, args.seconds),
        args.postgres_url,
        args.read_clients,
        backend=args.backend,
    )
    return params, args.json


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        "bench.api", lambda: _params_from_args(argv), run_bench, render, ApiReport.passed
    )


if __name__ == "__main__":
    sys.exit(main())
