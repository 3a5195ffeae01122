"""The README is true to the code, and the packaging holds together: every route, setting,
CLI command and option is documented, no link points outside the repository or nowhere,
every make target does something, the imports match the declared dependencies and the
installed versions are the locked ones."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
from pydantic import ValidationError

from api import import_parsing
from api.app import create_app
from api.cli import app as cli_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: Variables read outside the Settings class (tests and benchmarks).
OTHER_VARIABLES = {"CHEMDEPOT_TEST_POSTGRES_URL", "CHEMDEPOT_BENCH_POSTGRES_URL"}


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells (`\\|` is a bar inside a cell)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def _route_tables(text: str) -> list[str]:
    """First cells of every `| route | what |` table."""
    cells: list[str] = []
    inside = False
    for line in text.splitlines():
        if not line.startswith("|"):
            inside = False
            continue
        row = _cells(line)
        if row[:2] == ["route", "what"]:
            inside = True
        elif inside and not set(row[0]) <= {"-"}:
            cells.append(row[0])
    return cells


def _normal(path: str) -> str:
    path = path.split("?", 1)[0]
    return re.sub(r"\{[^}]*\}", "{}", path)


def readme_routes(text: str) -> set[tuple[str, str]]:
    """(METHOD, path with `{}` for each parameter) for each route the tables name, reading
    `GET /a`, `GET/POST /b`, `.../c` (the previous path's last segment replaced) and an
    entry with no method (the previous one's)."""
    found: set[tuple[str, str]] = set()
    for cell in _route_tables(text):
        methods: list[str] = []
        path = ""
        for entry in re.findall(r"`([^`]+)`", cell):
            match = re.fullmatch(r"((?:[A-Z]+/)*[A-Z]+ )?(\.\.\.)?(/\S*)", entry.strip())
            if match is None:
                continue
            if match.group(1):
                methods = match.group(1).strip().split("/")
            suffix = match.group(3)
            path = path.rsplit("/", 1)[0] + suffix if match.group(2) else suffix
            found |= {(m, _normal(path)) for m in methods}
    return found


def app_routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'doc.db'}"))
    doc: dict[str, Any] = app.openapi()
    return {
        (method.upper(), _normal(path))
        for path, item in doc["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def test_the_readme_route_tables_name_every_route_of_the_app(tmp_path: Path) -> None:
    missing = app_routes(tmp_path) - readme_routes(README.read_text(encoding="utf-8"))
    assert sorted(missing) == [], "routes missing from the README's `| route | what |` tables"


def test_the_readme_route_tables_name_no_route_the_app_lacks(tmp_path: Path) -> None:
    extra = readme_routes(README.read_text(encoding="utf-8")) - app_routes(tmp_path)
    assert sorted(extra) == [], "routes in the README's tables that the app does not serve"


def test_the_route_reader_sees_shortened_and_combined_entries() -> None:
    text = (
        "| route | what |\n|---|---|\n"
        "| `GET/POST /a/{id}`, `.../b?x=` | x |\n"
        "| `POST /c/{x}/d`, `.../e` | y |\n"
    )
    assert readme_routes(text) == {
        ("GET", "/a/{}"),
        ("POST", "/a/{}"),
        ("GET", "/a/b"),
        ("POST", "/a/b"),
        ("POST", "/c/{}/d"),
        ("POST", "/c/{}/e"),
    }


def test_every_setting_is_in_the_readme_and_the_readme_names_no_other() -> None:
    text = README.read_text(encoding="utf-8")
    settings = {f"CHEMDEPOT_{name.upper()}" for name in Settings.model_fields}
    named = set(re.findall(r"`(CHEMDEPOT_[A-Z0-9_]+)`", text))
    assert sorted(settings - named) == [], "settings the README does not list"
    assert sorted(named - settings - OTHER_VARIABLES) == [], "README variables nothing reads"
    assert "`.env`" in text


def test_every_import_column_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [
        c for c in (*import_parsing.REQUIRED, *import_parsing.OPTIONAL) if f"`{c}`" not in text
    ]
    assert missing == []


def _cli_commands() -> dict[str, list[str]]:
    """'db backup' -> its options, for every leaf command of `chemdepot`."""
    out: dict[str, list[str]] = {}

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        options = [
            opt
            for p in command.params
            if p.param_type_name == "option"
            for opt in p.opts
            if opt.startswith("--")
        ]
        out[" ".join(path)] = options

    walk(typer.main.get_command(cli_app), [])
    return out


def test_every_cli_command_and_option_is_in_the_readme_cli_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## CLI\n", 1)[1].split("\n## ", 1)[0]
    rows = [_cells(line) for line in section.splitlines() if line.startswith("| `chemdepot ")]
    commands = _cli_commands()
    assert len(commands) > 15
    problems = []
    for command, options in sorted(commands.items()):
        cells = [r[0] for r in rows if re.match(rf"`chemdepot {command}[ `]", r[0])]
        if not cells:
            problems.append(f"chemdepot {command}: no row")
            continue
        # --actor (every write) is described once, below the table.
        lacking = [o for o in options if o != "--actor" and o not in " ".join(cells)]
        problems += [f"chemdepot {command}: {o} not in its row" for o in lacking]
    assert problems == []
    prose = [line for line in section.splitlines() if not line.startswith("|")]
    assert any("--actor" in line for line in prose)


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return [
        README,
        *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "data" / "README.md",
        ROOT / "bench" / "README.md",
    ]


def test_no_link_points_outside_the_repository_or_to_nothing() -> None:
    broken = []
    for doc in _markdown_files():
        text = doc.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
        broken += [f"{doc.relative_to(ROOT)}: `{m}`" for m in re.findall(r"`(\.\./[^`]*)`", text)]
    assert broken == []


def test_a_missing_link_target_is_seen() -> None:
    assert LINK.findall("see [the design](../shared/DESIGN.md) and [x](docs/a.md#b)") == [
        "../shared/DESIGN.md",
        "docs/a.md#b",
    ]


def _make_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", text, flags=re.M)
    assert phony is not None
    return phony.group(1).replace("\\\n", " ").split()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_every_make_target_runs_a_command_and_says_what_it_does(tmp_path: Path) -> None:
    targets = _make_targets()
    help_text = (ROOT / "Makefile").read_text(encoding="utf-8")
    idle, undocumented = [], []
    for target in targets:
        # The install stamp counts as done, so a target's own recipe must print something;
        # install itself is dry-run against a venv that does not exist.
        args = ["make", "-n", "-C", str(ROOT)]
        args += [f"VENV={tmp_path / 'none'}"] if target == "install" else ["-o", ".venv/.installed"]
        dry = subprocess.run([*args, target], capture_output=True, text=True, check=True)
        if not dry.stdout.strip():
            idle.append(target)
        if not re.search(rf"^## make {re.escape(target)}:", help_text, flags=re.M):
            undocumented.append(target)
    assert len(targets) > 8
    assert idle == [], "make targets that do nothing"
    assert undocumented == [], "make targets without a `## make TARGET:` line (make help)"


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements-dev.lock").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, flags=re.M))


def test_the_lock_pins_every_declared_dependency() -> None:
    checker = _check_imports()
    runtime, extras = checker.declared()
    locked = {checker._normalise(name) for name in _locked()}
    assert sorted((runtime | extras) - locked) == []


def test_the_tests_run_with_the_locked_versions() -> None:
    differ = {}
    for name, pinned in _locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            differ[name] = (installed, pinned)
    assert differ == {}, "installed != requirements-dev.lock: `make install` (or `make lock`)"


def _check_imports() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_imports", ROOT / ".ci/check_imports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_import_is_declared_and_every_declared_dependency_used() -> None:
    assert _check_imports().problems() == []


def test_an_undeclared_import_and_an_unused_declaration_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checker = _check_imports()
    runtime, extras = checker.declared()
    unused = {"never-imported"}
    monkeypatch.setattr(checker, "declared", lambda: ((runtime - {"starlette"}) | unused, extras))
    found = checker.problems()
    assert any(line.startswith("starlette") and "not declared" in line for line in found)
    assert any(line.startswith("never-imported: declared") for line in found)


def test_a_bound_rule_bonus_outside_0_to_72_hours_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="dispatch_beyond_bound_h"):
        Settings(dispatch_beyond_bound_h=-1)
