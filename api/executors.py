"""Where scenario fan-out runs: in this process, in local worker processes (the default), or
on a Dask distributed cluster when `CHEMDEPOT_DASK_SCHEDULER` names one.

The optimiser only sees a map function (`MapFn`): it hands over a module-level function and
its arguments and gets the results back in the same order, so the model does not know, and
its answer does not depend on, where the work ran."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Literal, TypeVar

from optimizer.stock_levels import MapFn

if TYPE_CHECKING:
    from distributed import Client

#: The address of a running Dask scheduler, e.g. `tcp://10.0.0.5:8786`.
DASK_SCHEDULER_VAR = "CHEMDEPOT_DASK_SCHEDULER"
#: Tasks per worker process a local map aims for: enough to even out uneven tasks, few
#: enough that pickling each task's arguments stays cheap.
TASKS_PER_WORKER = 4

ExecutorKind = Literal["serial", "processes", "dask"]
T = TypeVar("T")
R = TypeVar("R")


class Executor:
    """A map over one pool of workers; close it (or use `with`) to release the workers."""

    kind: ExecutorKind = "serial"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`[fn(x) for x in items]`, in order, wherever the executor runs it."""
        return [fn(item) for item in items]

    @property
    def description(self) -> str:
        return "in this process"

    def close(self) -> None:
        """Nothing to release in this process."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SerialExecutor(Executor):
    """In this process: for tests, one worker, and callers already inside a worker."""


class ProcessExecutor(Executor):
    """Local worker processes, started by spawn (fork would copy the service's threads and
    database connections) on the first map and kept until `close`."""

    kind: ExecutorKind = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else os.cpu_count() or 1
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        chunksize = max(1, len(items) // (self.workers * TASKS_PER_WORKER))
        return list(self._pool.map(fn, items, chunksize=chunksize))

    @property
    def description(self) -> str:
        return f"{self.workers} local process{'es' if self.workers > 1 else ''}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask distributed cluster; connecting at construction makes a wrong address fail
    before any solve starts rather than halfway through one."""

    kind: ExecutorKind = "dask"

    def __init__(self, address: str) -> None:
        from distributed import Client  # only deployments with a cluster pay for the import

        self.address = address
        self._client: Client | None = Client(address)  # type: ignore[no-untyped-call]

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self._client is None:
            raise RuntimeError("this Dask executor is closed")
        if not items:
            return []
        # pure=False: two equal arguments are still two tasks, never one cached result.
        futures = self._client.map(fn, list(items), pure=False)
        results: list[R] = self._client.gather(futures)  # type: ignore[no-untyped-call]
        return results

    @property
    def description(self) -> str:
        return f"Dask scheduler {self.address}"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[no-untyped-call]
            self._client = None


def make_executor(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Executor:
    """Dask when `scheduler` or `CHEMDEPOT_DASK_SCHEDULER` names one; otherwise local
    processes, `workers` of them (default: one per CPU), or this process when that is one."""
    environ = os.environ if env is None else env
    address = scheduler or environ.get(DASK_SCHEDULER_VAR, "").strip()
    if address:
        return DaskExecutor(address)
    count = workers if workers is not None else os.cpu_count() or 1
    return SerialExecutor() if count == 1 else ProcessExecutor(count)


def make_map(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[MapFn, Callable[[], None]]:
    """`make_executor`'s map function and the function that closes it, for callers that
    hand the map to `solve_stock_levels` or `evaluate_levels` and close it afterwards."""
    executor = make_executor(scheduler=scheduler, workers=workers, env=env)
    return executor.map, executor.close


__all__ = [
    "DASK_SCHEDULER_VAR",
    "DaskExecutor",
    "Executor",
    "ExecutorKind",
    "MapFn",
    "ProcessExecutor",
    "SerialExecutor",
    "make_executor",
    "make_map",
]
