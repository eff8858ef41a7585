"""`fengqiao units …` and `fengqiao grids …` on a SQLite file of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fengqiao.cli import main


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FENGQIAO_PARTY_KEY_FILE", str(tmp_path / "party.key"))

    def run(*args: str, code: int = 0) -> tuple[str, str]:
        got = main(list(args))
        out, err = capsys.readouterr()
        assert got == code, (out, err)
        return out, err

    return run


def test_units_from_the_command_line(cli: Any) -> None:
    cli("units", "create", "d1", "东城区", "--en", "East District", "--kind", "district")
    cli("units", "create", "s1", "和平街道", "--kind", "street", "--parent", "d1")
    cli("units", "create", "s2", "青年路街道", "--kind", "street", "--parent", "d1")
    cli("units", "create", "cm1", "和平里社区", "--kind", "community", "--parent", "s1")
    cli("units", "create", "cm2", "和平里二社区", "--kind", "community", "--parent", "s1")
    out, _ = cli("units", "rename", "cm2", "和平里第二社区", "--en", "Hepingli 2")
    assert "Hepingli 2" in out
    cli("units", "move", "cm2", "--parent", "s2")
    _, err = cli("units", "move", "s1", "--parent", "cm1", code=1)
    assert "cycle" in err
    _, err = cli("units", "create", "g1", "网格", "--kind", "grid", "--parent", "s1", code=1)
    assert "a grid cannot sit under a street" in err
    out, _ = cli("units", "merge", "cm2", "--into", "cm1")
    assert "retired" in out
    _, err = cli("units", "retire", "s1", code=1)
    assert "units below it cm1" in err
    cli("units", "retire", "s2")
    out, _ = cli("units", "list")
    assert out.splitlines() == [
        "d1  district  东城区 / East District",
        "  s1  street  和平街道 / 和平街道",
        "    cm1  community  和平里社区 / 和平里社区",
    ]
    out, _ = cli("units", "list", "--all")
    assert "[retired" in out and "cm2" in out


def test_grids_from_the_command_line(cli: Any) -> None:
    cli("demo")
    out, _ = cli("grids", "assign", "grid_member", "g-hp-2-1")
    assert out.strip() == "grid_member: g-hp-1-1, g-hp-1-2, g-hp-2-1"
    out, _ = cli("grids", "unassign", "grid_member", "g-hp-2-1")
    assert out.strip() == "grid_member: g-hp-1-1, g-hp-1-2"
    _, err = cli("grids", "assign", "mediator", "g-hp-2-1", code=1)
    assert "not a grid member" in err
    out, _ = cli("grids", "redraw", "g-hp-1-2", "--to", "g-hp-1-1")
    assert out.startswith("g-hp-1-2 -> g-hp-1-1: cases")
    _, err = cli("grids", "handover", "grid_member", "--to", "nobody", code=1)
    assert "no active user 'nobody'" in err
