"""The scenario fan-out gives the same answer wherever it runs: in this process, in local
worker processes, and on a Dask cluster (a real two-process `LocalCluster`)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from distributed import LocalCluster, get_worker

from api.executors import (
    DASK_SCHEDULER_VAR,
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
    make_map,
)
from bench.levels_instances import generate_instance
from optimizer.levels_model import LevelsProblem
from optimizer.prepositioning import read_prepositioning
from optimizer.stock_levels import evaluate_levels

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two worker processes of one thread each; no dashboard, so no fixed port is taken."""
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def problem() -> LevelsProblem:
    doc = generate_instance(depots=6, sites=8, items=2, scenarios=40, integer=True, seed=11)
    return read_prepositioning(doc)


def random_levels(problem: LevelsProblem, seed: int) -> dict[tuple[str, str], float]:
    rng = random.Random(seed)
    return {
        (d.id, i.id): float(rng.randrange(0, 60)) for d in problem.depots for i in problem.items
    }


def worker_addresses(cluster: LocalCluster) -> set[str]:
    return set(cluster.scheduler_info["workers"])


def where(x: int) -> tuple[int, str, int]:
    """x squared, the Dask worker that computed it ("" outside Dask), and the process."""
    try:
        worker = get_worker().address
    except ValueError:
        worker = ""
    return x * x, worker, os.getpid()


def test_the_readiness_of_levels_is_the_same_on_dask_local_processes_and_in_process(
    cluster: LocalCluster, problem: LevelsProblem
) -> None:
    levels = random_levels(problem, seed=5)
    serial = evaluate_levels(problem, levels, chunks=4)

    with ProcessExecutor(workers=2) as local:
        in_processes = evaluate_levels(problem, levels, map_fn=local.map, chunks=4)
    with DaskExecutor(cluster.scheduler_address) as dask:
        on_dask = evaluate_levels(problem, levels, map_fn=dask.map, chunks=4)

    assert serial.scenarios == len(problem.scenarios)
    assert 0 < serial.expected_unmet < serial.expected_demand  # the levels serve only a part
    assert in_processes == serial
    assert on_dask == serial


def test_the_executor_picks_dask_when_the_scheduler_variable_is_set(
    cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DASK_SCHEDULER_VAR, cluster.scheduler_address)

    with make_executor(workers=1) as executor:
        results = executor.map(where, list(range(12)))

    assert executor.kind == "dask"
    assert [square for square, _, _ in results] == [x * x for x in range(12)]
    assert {worker for _, worker, _ in results} <= worker_addresses(cluster)
    assert os.getpid() not in {pid for _, _, pid in results}


def test_a_map_from_make_map_runs_on_dask_and_closes(cluster: LocalCluster) -> None:
    map_fn, close = make_map(scheduler=cluster.scheduler_address)
    try:
        results = map_fn(where, [3, 1, 2])
    finally:
        close()

    assert [square for square, _, _ in results] == [9, 1, 4]
    assert all(worker in worker_addresses(cluster) for _, worker, _ in results)


def test_local_processes_return_results_in_the_order_of_their_items() -> None:
    items = list(range(37))

    with ProcessExecutor(workers=2) as executor:
        results = executor.map(where, items)

    assert [square for square, _, _ in results] == [x * x for x in items]
    assert os.getpid() not in {pid for _, _, pid in results}


def test_without_a_scheduler_the_executor_runs_local_processes_or_in_process() -> None:
    processes = make_executor(workers=2, env={})
    serial = make_executor(workers=1, env={})

    assert isinstance(processes, ProcessExecutor) and processes.workers == 2
    assert isinstance(serial, SerialExecutor)
    assert serial.map(where, [4])[0][2] == os.getpid()
    processes.close()


def test_the_default_executor_has_one_process_per_cpu() -> None:
    executor = make_executor(env={DASK_SCHEDULER_VAR: "  "})

    expected = os.cpu_count() or 1
    if expected == 1:
        assert isinstance(executor, SerialExecutor)
    else:
        assert isinstance(executor, ProcessExecutor) and executor.workers == expected


def test_a_closed_dask_executor_refuses_to_map(cluster: LocalCluster) -> None:
    executor = DaskExecutor(cluster.scheduler_address)
    executor.close()

    with pytest.raises(RuntimeError, match="closed"):
        executor.map(where, [1])
