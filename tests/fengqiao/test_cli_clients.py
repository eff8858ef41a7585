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
