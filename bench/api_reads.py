"""The read part of `bench/api.py`: N clients asking `GET /stock?depot=D-HNI&limit=50` as fast
as they can, against chemdepot and against a bare FastAPI endpoint that returns the very
same page (fetched from chemdepot before the run, held in memory), served by the same
uvicorn in the same run. Every answer of ours must be that page, so speed is never bought
with a wrong or empty answer."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .http_load import LoadResult
from .http_server import ServerProcess, start_asgi

#: the environment variable that tells the bare app which page to serve
PAGE_FILE_ENV = "CHEMDEPOT_BENCH_STOCK_PAGE"
BARE_READS_APP = "bench._bare_app:app"


def fetch_page(server: ServerProcess, path: str) -> dict[str, Any]:
    """The page chemdepot answers now (the bare endpoint serves exactly this)."""
    with server.client() as client:
        response = client.get(path)
        response.raise_for_status()
        page: dict[str, Any] = response.json()
    if not page.get("items"):
        raise RuntimeError(f"GET {path} answered no rows: nothing to compare")
    return page


def start_bare_reads(page: dict[str, Any], folder: Path) -> ServerProcess:
    """The bare app, told where the page is."""
    page_file = folder / "stock-page.json"
    page_file.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    return start_asgi(BARE_READS_APP, env={PAGE_FILE_ENV: str(page_file)})


def run_reads(
    server: ServerProcess, path: str, *, clients: int, seconds: float, expect: dict[str, Any]
) -> tuple[LoadResult, int]:
    """`clients` threads, each on its own keep-alive connection, GET `path` for `seconds`
    seconds; returns the sends and how many answers differed from `expect`."""
    sends: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    wrong = [0] * clients
    barrier = threading.Barrier(clients + 1)
    stop = threading.Event()

    def work(n: int) -> None:
        with server.client() as http:
            barrier.wait()
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    response = http.get(path)
                    status = response.status_code
                    if status == 200 and response.json() != expect:
                        wrong[n] += 1
                except Exception:  # a dropped connection counts as status 0
                    status = 0
                sends[n].append((time.perf_counter() - began, status))

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return LoadResult([], [s for per in sends for s in per], elapsed), sum(wrong)


def read_rounds(
    ours: ServerProcess,
    path: str,
    *,
    clients: int,
    seconds: float,
    rounds: int,
    log: Callable[[str], None],
) -> tuple[list[LoadResult], list[LoadResult], int]:
    """Warm both up, then alternate bare and ours; (ours, bare, wrong answers of ours)."""
    page = fetch_page(ours, path)
    mine: list[LoadResult] = []
    ceiling: list[LoadResult] = []
    wrong = 0
    with tempfile.TemporaryDirectory(prefix="chemdepot-bench-reads-") as tmp:
        bare = start_bare_reads(page, Path(tmp))
        try:
            for server in (bare, ours):
                run_reads(server, path, clients=2, seconds=min(2.0, seconds), expect=page)
            for n in range(rounds):
                ceiling.append(
                    run_reads(bare, path, clients=clients, seconds=seconds, expect=page)[0]
                )
                result, bad = run_reads(ours, path, clients=clients, seconds=seconds, expect=page)
                mine.append(result)
                wrong += bad
                log(
                    f"reads round {n + 1}: bare {ceiling[-1].per_second():.0f} req/s, "
                    f"chemdepot {mine[-1].per_second():.0f} req/s"
                )
        finally:
            bare.stop()
    return mine, ceiling, wrong
