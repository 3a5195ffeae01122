"""Routing benchmark on standard instances: chemdepot beside PyVRP and VROOM, each with
the same wall-clock budget, in the same run.

    python -m bench.routing FILE... [--time-limit S] [--json FILE] [--seed N]
                                    [--solvers chemdepot,pyvrp,vroom]

The same command as `chemdepot bench routing`; bench/README.md explains the numbers.
"""

from __future__ import annotations

import typer

from api.bench_cli import routing


def main() -> None:
    app = typer.Typer(add_completion=False)
    app.command()(routing)
    app()


if __name__ == "__main__":
    main()
