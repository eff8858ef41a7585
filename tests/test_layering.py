"""The house reads top to bottom (docs/ARCHITECTURE.md):

    fengqiao → api, workflows → engine.casework (use cases) → engine core, engine.store

- the engine core (engine/ outside store/ and casework/) imports no web, database or scheduler
  framework, and nothing above it;
- engine.store (persistence) imports no use case and no adapter;
- the use cases import no web or scheduler framework and no adapter;
- api/ and workflows/ never import the composition root fengqiao/;
- routes and pages reach the database only through the use cases (no engine.store);
- no import cycle between the project's modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
WEB = {"fastapi", "starlette"}
SCHEDULER = {"prefect"}
DATABASE = {"sqlmodel", "sqlalchemy"}
ADAPTERS = {"api", "workflows", "fengqiao"}
PROJECT = ("engine", "api", "workflows", "fengqiao")


def _files(folder: Path, skip: Iterable[str] = ()) -> list[Path]:
    skipped = tuple(skip)
    return sorted(
        p
        for p in folder.rglob("*.py")
        if "migrations" not in p.parts and not p.relative_to(folder).parts[0].startswith(skipped)
    )


CORE_FILES = [
    p for p in _files(ENGINE) if p.relative_to(ENGINE).parts[0] not in ("store", "casework")
]
STORE_FILES = _files(ENGINE / "store")
CASEWORK_FILES = _files(ENGINE / "casework")
ADAPTER_FILES = _files(ROOT / "api") + _files(ROOT / "workflows")
ROUTE_AND_PAGE_FILES = _files(ROOT / "api" / "routes") + _files(ROOT / "api" / "pages")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Modules a file imports (full dotted names): anywhere in it (functions, classes,
    TYPE_CHECKING too), or with `top_level_only` only the imports that run when it is imported
    (module level, outside `if TYPE_CHECKING:`); `importlib.import_module("x")` and
    `__import__("x")` with a literal name count too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes: Iterable[ast.AST]
    if top_level_only:
        nodes = [
            n
            for n in tree.body
            if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))
        ]
    else:
        nodes = ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def imported_packages(path: Path) -> set[str]:
    return {m.split(".")[0] for m in imported_modules(path)}


def _under(modules: set[str], prefix: str) -> set[str]:
    return {m for m in modules if m == prefix or m.startswith(prefix + ".")}


def _ids(files: list[Path]) -> list[object]:
    return [pytest.param(p, id=module_name(p)) for p in files]


def test_every_layer_is_found() -> None:
    names = {module_name(p) for p in CORE_FILES}
    assert {"engine.service", "engine.loader", "engine.visibility", "engine.registry"} <= names
    assert not any(n.startswith(("engine.store", "engine.casework")) for n in names)
    assert {"engine.casework.cases", "engine.casework.permissions"} <= {
        module_name(p) for p in CASEWORK_FILES
    }
    assert "api.routes.cases" in {module_name(p) for p in ROUTE_AND_PAGE_FILES}


@pytest.mark.parametrize("path", _ids(CORE_FILES))
def test_the_core_imports_no_framework_and_nothing_above_it(path: Path) -> None:
    modules = imported_modules(path)
    assert {m.split(".")[0] for m in modules} & (WEB | SCHEDULER | DATABASE | ADAPTERS) == set()
    assert _under(modules, "engine.store") | _under(modules, "engine.casework") == set()


@pytest.mark.parametrize("path", _ids(STORE_FILES))
def test_the_store_imports_no_use_case_and_no_adapter(path: Path) -> None:
    modules = imported_modules(path)
    assert {m.split(".")[0] for m in modules} & (WEB | SCHEDULER | ADAPTERS) == set()
    assert _under(modules, "engine.casework") == set()


@pytest.mark.parametrize("path", _ids(CASEWORK_FILES))
def test_the_use_cases_import_no_web_or_scheduler_framework(path: Path) -> None:
    assert imported_packages(path) & (WEB | SCHEDULER | ADAPTERS) == set()


@pytest.mark.parametrize("path", _ids(ADAPTER_FILES))
def test_adapters_never_import_the_composition_root(path: Path) -> None:
    assert "fengqiao" not in imported_packages(path)


@pytest.mark.parametrize("path", _ids(ROUTE_AND_PAGE_FILES))
def test_routes_and_pages_reach_the_database_only_through_use_cases(path: Path) -> None:
    assert _under(imported_modules(path), "engine.store") == set()


def _graph() -> dict[str, set[str]]:
    """Project module → project modules it imports when it is imported."""
    files = [p for top in PROJECT for p in _files(ROOT / top)]
    names = {module_name(p) for p in files}
    graph: dict[str, set[str]] = {}
    for p in files:
        deps = set()
        for m in imported_modules(p, top_level_only=True):
            while m and m not in names:
                m = m.rpartition(".")[0]
            if m and m != module_name(p):
                deps.add(m)
        graph[module_name(p)] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, as the modules along it; empty when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def test_no_import_cycle() -> None:
    graph = _graph()
    assert len(graph) > 100
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from api.auth import User\n"
        "def f() -> None:\n"
        "    from sqlalchemy import text\n"
        "    import importlib\n"
        "    importlib.import_module('prefect.flows')\n",
        encoding="utf-8",
    )
    assert imported_packages(sample) >= {"os", "sqlalchemy", "importlib", "prefect", "api"}
    assert imported_modules(sample, top_level_only=True) == {"os", "typing", "typing.TYPE_CHECKING"}


def _loaded_by(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


@pytest.mark.slow  # a fresh interpreter, as a process
def test_importing_the_core_loads_nothing_forbidden() -> None:
    loaded = _loaded_by([module_name(p) for p in CORE_FILES])
    assert "engine" in loaded
    assert loaded & (WEB | SCHEDULER | DATABASE | ADAPTERS) == set()


@pytest.mark.slow  # a fresh interpreter, as a process
def test_importing_the_use_cases_loads_no_web_or_scheduler_framework() -> None:
    loaded = _loaded_by([module_name(p) for p in CASEWORK_FILES])
    assert "sqlalchemy" in loaded  # through engine.store
    assert loaded & (WEB | SCHEDULER | ADAPTERS) == set()
