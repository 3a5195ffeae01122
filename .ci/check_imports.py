"""Every module the code imports comes from a distribution pyproject.toml declares, and
every declared distribution is imported, unless RUNTIME_ONLY says why it is needed anyway.

The product's packages may use only the runtime dependencies; tests and bench may also use
the `dev` and `bench` extras. Run from the repository: `python .ci/check_imports.py`
(`make lint` does). It reads the installed distributions' metadata to map an import name to
its distribution (`vroom` -> `pyvroom`), so run it in the project's .venv."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("api", "inventory", "network", "optimizer")
DEV = ("tests", "bench")

#: Declared but never imported by name: each is loaded by another package at run time,
#: or is a tool, and the reason is said here.
RUNTIME_ONLY: dict[str, str] = {
    "openpyxl": "pandas' engine for .xlsx import and export",
    "psycopg": "SQLAlchemy's driver for postgresql+psycopg:// URLs",
    "python-multipart": "FastAPI parses multipart uploads (POST /movements/import) with it",
    "ruff": "linter and formatter (make lint)",
    "mypy": "type checker (make lint)",
    "pandas-stubs": "types for mypy",
    "types-openpyxl": "types for mypy",
    "types-shapely": "types for mypy",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if match is None:
        raise SystemExit(f"cannot read the requirement {spec!r} in pyproject.toml")
    return _normalise(match.group(1))


def declared() -> tuple[set[str], set[str]]:
    """(runtime distributions, those of the dev and bench extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {_requirement_name(s) for s in project["dependencies"]}
    extras = {
        _requirement_name(s) for group in project["optional-dependencies"].values() for s in group
    }
    return runtime, extras


def imported_modules(folders: tuple[str, ...]) -> dict[str, set[str]]:
    """Top-level module name -> files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def third_party(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    local = {*PRODUCT, *DEV}
    return {
        m: files
        for m, files in modules.items()
        if m not in local and m not in sys.stdlib_module_names and m != "__future__"
    }


def problems() -> list[str]:
    runtime, extras = declared()
    by_module = {m: {_normalise(d) for d in ds} for m, ds in packages_distributions().items()}
    out: list[str] = []
    used: set[str] = set()
    for folders, allowed, what in (
        (PRODUCT, runtime, "the runtime dependencies"),
        (DEV, runtime | extras, "the dependencies or the dev/bench extras"),
    ):
        for module, files in sorted(third_party(imported_modules(folders)).items()):
            dists = by_module.get(module)
            if not dists:
                out.append(f"{module}: imported by {sorted(files)[0]} but not installed")
                continue
            used |= dists
            if not dists & allowed:
                out.append(
                    f"{module} (distribution {'/'.join(sorted(dists))}): imported by "
                    f"{sorted(files)[0]} and not declared in {what} of pyproject.toml"
                )
    for dist in sorted((runtime | extras) - used - set(RUNTIME_ONLY)):
        out.append(
            f"{dist}: declared in pyproject.toml but never imported (drop it, or say why "
            "in RUNTIME_ONLY of .ci/check_imports.py)"
        )
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    if not found:
        print("imports and pyproject.toml dependencies agree")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
