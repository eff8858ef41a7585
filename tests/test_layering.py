"""The engine core imports neither the web, the database, Prefect nor its hosts."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
FORBIDDEN = frozenset(
    {"fastapi", "starlette", "sqlmodel", "sqlalchemy", "prefect", "api", "workflows", "fengqiao"}
)
CORE_FILES = sorted(p for p in ENGINE.rglob("*.py") if p.relative_to(ENGINE).parts[0] != "store")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports anywhere (functions, classes, TYPE_CHECKING too),
    including `importlib.import_module("x")` and `__import__("x")` with a literal name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value.split(".")[0])
    return found


def test_core_modules_are_found() -> None:
    names = {module_name(p) for p in CORE_FILES}
    assert {"engine.service", "engine.loader", "engine.definition", "engine.registry"} <= names
    assert not any(n.startswith("engine.store") for n in names)


@pytest.mark.parametrize("path", [pytest.param(p, id=module_name(p)) for p in CORE_FILES])
def test_core_module_imports_nothing_forbidden(path: Path) -> None:
    assert imported_packages(path) & FORBIDDEN == set()


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "def f() -> None:\n"
        "    from sqlalchemy import text\n"
        "    import importlib\n"
        "    importlib.import_module('prefect.flows')\n",
        encoding="utf-8",
    )
    assert imported_packages(sample) >= {"os", "sqlalchemy", "importlib", "prefect"}


@pytest.mark.slow  # a fresh interpreter, as a process
def test_importing_the_core_loads_nothing_forbidden() -> None:
    modules = [module_name(p) for p in CORE_FILES]
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
    loaded = set(json.loads(result.stdout))
    assert "engine" in loaded
    assert loaded & FORBIDDEN == set()
