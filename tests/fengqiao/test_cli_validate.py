"""`fengqiao validate`: ok for good files, `file:line:col: message` and exit 1 for broken ones;
against the configured database's published versions when it exists, saying what a start
would say, without creating, migrating or changing it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

import fengqiao.context as context
from engine.casework import publishing
from engine.clock import ManualClock
from fengqiao.cli import main
from fengqiao.settings import Settings
from tests.engine.test_loader import SAMPLE
from tests.fengqiao.conftest import edit, line_of
from tests.fengqiao.test_shipped_files import SUPERVISOR, TITLE, shipped_version

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "definitions").glob("*.yaml"))
FENGQIAO = Path(sys.executable).parent / "fengqiao"
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


@pytest.fixture
def no_db(tmp_path: Path) -> list[str]:
    """A database that does not exist: the files are checked alone."""
    return ["--db", f"sqlite:///{tmp_path / 'none' / 'fq.db'}"]


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "sample.yaml"
    path.write_text(
        SAMPLE.replace("to: closed", "to: closd").replace("[mediator]", "[mediater]"),
        encoding="utf-8",
    )
    return path


def test_shipped_definitions_validate(
    no_db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*no_db, "validate", *map(str, SHIPPED)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for path in SHIPPED:
        assert f"{path}: ok ({path.stem} v" in out
    assert "compared with" not in out
    assert not (tmp_path / "none").exists()  # neither the database nor its folder created


def test_broken_file_prints_located_problems(
    broken: Path, no_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*no_db, "validate", str(SHIPPED[0]), str(broken)]) == 1
    out, err = capsys.readouterr()
    assert f"{SHIPPED[0]}: ok" in out
    lines = err.splitlines()
    assert len(lines) == 2
    located = [LOCATED.match(line) for line in lines]
    assert all(m is not None and m["file"] == str(broken) for m in located)
    assert lines[0].startswith(f"{broken}:20:13: states.open.roles: unknown role 'mediater'")
    assert lines[1].startswith(f"{broken}:36:9: transitions[0] (close).to: unknown state 'closd'")


@pytest.mark.slow  # the console script, as a process
def test_console_script_exit_codes(broken: Path, no_db: list[str]) -> None:
    ok = subprocess.run(
        [str(FENGQIAO), *no_db, "validate", *map(str, SHIPPED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count(": ok (") == len(SHIPPED)
    bad = subprocess.run(
        [str(FENGQIAO), *no_db, "validate", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.splitlines()[0].startswith(f"{broken}:20:13: ")
    assert "Traceback" not in bad.stderr


def validate(settings: Settings, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`fengqiao --db <the installation's database> validate <its shipped files>`."""
    files = sorted(str(p) for p in settings.definitions_dir.glob("*.yaml"))
    code = main(["--db", settings.database_url, "validate", *files])
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_says_what_a_start_says_of_a_file_changed_without_raising_its_version(
    settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    context.prepare(settings, clock)
    capsys.readouterr()
    assert validate(settings, capsys)[0] == 0
    edit(settings, "mediation", TITLE, "en: People's mediation (pilot)}")
    code, out, err = validate(settings, capsys)
    problems = context.prepare(settings, clock)
    assert code == 1
    assert err.splitlines() == [str(p) for p in problems] and len(problems) == 1
    assert err.endswith(f"(raise `version` to {shipped_version('mediation') + 1})\n")
    assert out.count(": ok (") == len(SHIPPED)  # each file alone is fine
    assert f"compared with the versions published in {settings.database_url}" in out


def test_validate_says_what_a_start_says_of_a_collision_with_an_api_version(
    settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    v = shipped_version("mediation")
    context.prepare(settings, clock)
    cw = context.open_casework(settings, clock)
    try:
        source = cw.registry.latest("mediation").source
        publishing.publish(
            cw, SUPERVISOR, source.replace(TITLE, "en: Trial}", 1), reason="试行", based_on=v
        )
    finally:
        cw.close()
    edit(settings, "mediation", f"version: {v}", f"version: {v + 1}")
    capsys.readouterr()
    code, _, err = validate(settings, capsys)
    problems = context.prepare(settings, clock)
    assert code == 1
    assert err.splitlines() == [str(p) for p in problems] and len(problems) == 1
    assert f"mediation v{v + 1} was published by li on 2026-11-23 (API or editor)" in err
    assert err.endswith(f"(raise `version` to {v + 2})\n")


def test_validate_says_what_a_start_says_of_a_file_that_fails_to_load(
    settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    context.prepare(settings, clock)
    path = edit(settings, "labor_dispute", "initial: intake", "initial: intake: x")
    capsys.readouterr()
    code, out, err = validate(settings, capsys)
    problems = context.prepare(settings, clock)
    assert code == 1
    assert err.splitlines() == [str(p) for p in problems]
    line = line_of(path, "initial:")
    assert err.startswith(f"{path}:{line}:16: YAML syntax error: mapping values are not allowed")
    assert out.count(": ok (") == len(SHIPPED) - 1


def test_validate_never_changes_the_database(
    settings: Settings, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    v = shipped_version("grid_escalation")
    context.prepare(settings, clock)
    edit(settings, "grid_escalation", f"version: {v}", f"version: {v + 1}")
    capsys.readouterr()
    assert validate(settings, capsys)[0] == 0  # a new version: a start would publish it
    cw = context.open_casework(settings, clock)
    try:
        assert cw.registry.latest("grid_escalation").version == v  # validate did not
    finally:
        cw.close()


def test_a_database_never_migrated_is_left_alone(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    path.touch()
    code, out, err = validate(settings, capsys)
    assert (code, err) == (0, "")
    assert "compared with" not in out
    engine = create_engine(settings.database_url)
    try:
        assert inspect(engine).get_table_names() == []  # not migrated
    finally:
        engine.dispose()
