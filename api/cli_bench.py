"""`chemdepot bench`: the benchmarks of bench/, each run as its own process from the
checkout, so benchmark code stays in bench/ with its own dependencies and the service never
imports it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .settings import ROOT

bench_app = typer.Typer(
    help="Benchmarks (code in bench/, run from a checkout).", no_args_is_help=True
)
console = Console()


def _run(module: str, args: list[str]) -> None:
    if not (ROOT / "bench" / f"{module}.py").exists():
        console.print(
            f"[bold red]error:[/] no bench/ next to {ROOT / 'api'}: run this from a checkout "
            "of chemdepot"
        )
        raise typer.Exit(1)
    command = [sys.executable, "-m", f"bench.{module}", *args]
    raise typer.Exit(subprocess.run(command, cwd=ROOT, check=False).returncode)


@bench_app.command("dispatch")
def bench_dispatch(
    samples: Annotated[int, typer.Option(min=0, max=500, help="sampled places")] = 12,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    only: Annotated[str, typer.Option(help="comma-separated hazard source ids")] = "",
    json_out: Annotated[Path | None, typer.Option("--json", help="write every row")] = None,
) -> None:
    """Plan every hazard source under each template that fits it, and sampled places, each
    on a fresh seeded database, and print the plan measures (bench/dispatch_sweep.py).

    It runs as its own process from the checkout (bench/ is not part of the service)."""
    args = ["--samples", str(samples), "--seed", str(seed)]
    if only:
        args += ["--only", only]
    if json_out is not None:
        args += ["--json", str(json_out)]
    _run("dispatch_sweep", args)


@bench_app.command(
    "levels", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def bench_levels(ctx: typer.Context) -> None:
    """Solve prepositioning-format files (docs/prepositioning-format.md) with the
    product's stock-levels model and the extensive form, same run, and write the format's
    result: `chemdepot bench levels FILE... --time-limit S --json OUT` (bench/levels_files.py)."""
    _run("levels_files", list(ctx.args))
