"""`fengqiao clients …`: a client system made from the command line prints its API key
once; the key then finds the client, and a second client of that name is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.casework.client_systems import client_by_key
from engine.clock import SystemClock
from fengqiao.cli import main
from fengqiao.context import build
from fengqiao.settings import Settings


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


def test_a_client_system_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    out, _ = cli("clients", "create", "wx-union", "--rate", "120")
    key = out.split("API key (shown once, keep it now): ")[1].strip()
    ctx = build(Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}"), SystemClock())
    try:
        found = client_by_key(ctx.cw, key)
    finally:
        ctx.close()
    assert found is not None and (found.name, found.rate_per_minute) == ("wx-union", 120)
    out, _ = cli("clients", "list")
    assert "wx-union  120/min" in out
    _, err = cli("clients", "create", "wx-union", code=1)
    assert "exists already" in err
    _, err = cli("clients", "create", "has space", code=1)
    assert "without spaces" in err


def test_grids_placed_and_services_routed_from_the_command_line(cli: Any) -> None:
    cli("units", "create", "d1", "东城区", "--kind", "district")
    cli("units", "create", "union", "区总工会", "--kind", "organisation", "--parent", "d1")
    cli("units", "create", "s1", "和平街道", "--kind", "street", "--parent", "d1")
    cli("units", "create", "cm1", "和平里社区", "--kind", "community", "--parent", "s1")
    cli("units", "create", "g1", "第1网格", "--kind", "grid", "--parent", "cm1")
    cli("areas", "set", "g1", "--box", "39.95,116.40,39.96,116.41", "--words", "和平里东街，东街")
    out, _ = cli("areas", "list")
    assert out.strip() == "g1  39.95,116.4 – 39.96,116.41  和平里东街 东街"
    out, _ = cli("areas", "route", "mediation.labour", "d1", "union")
    assert "mediation.labour from d1: union" in out
    _, err = cli("areas", "set", "g1", "--box", "40,116,39,117", code=1)
    assert "south lies above its north" in err


def test_a_hotline_file_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    cli("units", "create", "d1", "东城区", "--kind", "district")
    cli("units", "create", "women", "区妇联", "--kind", "organisation", "--parent", "d1")
    path = tmp_path / "12345.csv"
    path.write_text("工单编号,诉求类型,诉求内容,承办单位\nGD-1,家庭纠纷,婆媳矛盾,区妇联\n")
    out, _ = cli("hotline", str(path))
    assert "importing it would give 1 rows: 1 new cases, 0 tickets already in" in out
    out, _ = cli("hotline", str(path), "--apply")
    assert "imported 12345.csv: 1 rows: 1 new cases" in out
    out, _ = cli("hotline", str(path), "--apply")
    assert "0 new cases, 1 tickets already in" in out
    path.write_text("工单编号,诉求类型,诉求内容\nGD-2,没有,x\n")
    _, err = cli("hotline", str(path), "--apply", code=1)
    assert "row 2, 诉求类型: unknown_service" in err
    path.write_text(
        "工单编号,诉求类型,诉求内容,承办单位,联系电话\nGD-3,家庭纠纷,婆媳矛盾,区妇联,\n"
    )
    out, _ = cli("hotline", str(path), "--repeats")
    assert "1 new cases" in out
    assert "12345.csv: row 2 (ticket GD-3) likely repeats open case #" in out
    assert "(text)" in out and "1 new row(s) likely repeat an open case" in out
    out, _ = cli("hotline", str(path))
    assert "likely repeat" not in out  # not asked


def test_a_client_systems_webhook_from_the_command_line(cli: Any) -> None:
    cli("clients", "create", "wx-union")
    out, _ = cli("clients", "webhook", "wx-union", "https://wx.example.cn/fq")
    secret = out.split("signing secret (shown once, keep it now): ")[1].strip()
    assert secret.startswith("whsec_")
    out, _ = cli("clients", "list")
    assert "webhook https://wx.example.cn/fq" in out and secret not in out
    _, err = cli("clients", "webhook", "wx-union", "http://10.1.1.1/fq", code=1)
    assert "private address" in err
    out, _ = cli("clients", "webhook", "wx-union", "http://10.1.1.1/fq", "--allow-private")
    assert "webhook http://10.1.1.1/fq" in out
    cli("clients", "webhook", "wx-union", "--remove")
    out, _ = cli("clients", "list")
    assert "webhook" not in out
