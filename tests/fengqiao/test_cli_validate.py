"""`fengqiao validate`: ok for good files, `file:line:col: message` and exit 1 for broken ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fengqiao.cli import main
from tests.engine.test_loader import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "definitions").glob("*.yaml"))
FENGQIAO = Path(sys.executable).parent / "fengqiao"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "sample.yaml"
    path.write_text(
        SAMPLE.replace("to: closed", "to: closd").replace("[mediator]", "[mediater]"),
        encoding="utf-8",
    )
    return path


def test_shipped_definitions_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, SHIPPED)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for path in SHIPPED:
        assert f"{path}: ok ({path.stem} v" in out


def test_broken_file_prints_located_problems(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(SHIPPED[0]), str(broken)]) == 1
    out, err = capsys.readouterr()
    assert f"{SHIPPED[0]}: ok" in out
    lines = err.splitlines()
    assert len(lines) == 2
    located = [LOCATED.match(line) for line in lines]
    assert all(m is not None and m["file"] == str(broken) for m in located)
    assert lines[0].startswith(f"{broken}:20:13: states.open.roles: unknown role 'mediater'")
    assert lines[1].startswith(f"{broken}:36:9: transitions[0] (close).to: unknown state 'closd'")


@pytest.mark.slow  # the console script, as a process
def test_console_script_exit_codes(broken: Path) -> None:
    ok = subprocess.run(
        [str(FENGQIAO), "validate", *map(str, SHIPPED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count(": ok (") == len(SHIPPED)
    bad = subprocess.run(
        [str(FENGQIAO), "validate", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.splitlines()[0].startswith(f"{broken}:20:13: ")
    assert "Traceback" not in bad.stderr
