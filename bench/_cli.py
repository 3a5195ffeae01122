"""The entry point the ledger and network benchmarks share: parse, run with progress on
stderr, print the tables, optionally write JSON, and turn the verdict into an exit status."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from rich.console import Console

P = TypeVar("P")


class Report(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Report)


def run_main(
    name: str,
    parse: Callable[[], tuple[P, Path | None]],
    run: Callable[[P, Callable[[str], None]], R],
    render: Callable[[R, Console], None],
    passed: Callable[[R], bool],
) -> int:
    """0 if `passed(report)`, 1 if not, 2 for bad arguments."""
    try:
        params, json_path = parse()
    except ValueError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    console = Console(width=None if sys.stdout.isatty() else 150, highlight=False)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    report = run(params, log)
    render(report, console)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")
    return 0 if passed(report) else 1
