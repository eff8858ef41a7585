"""`fengqiao migrate`: plan, preview, apply and list migration runs from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from engine.casework import publishing
from engine.clock import ManualClock
from fengqiao.cli import main
from fengqiao.context import Context, build
from fengqiao.settings import Settings
from tests.api.conftest import START
from tests.engine.casework.conftest import person
from tests.engine.casework.migration_cases import Mixed, mixed_cases
from tests.migration_versions import NEW, OLD, breaking_source


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Context, Mixed]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    clock = ManualClock(START - timedelta(days=30))
    ctx = build(Settings(database_url=url), clock)
    mixed = mixed_cases(ctx.cw, clock)
    source = breaking_source(ctx.cw.registry.get("mediation", OLD).source, NEW)
    publishing.publish(ctx.cw, person("admin"), source, reason="新版本改名受理登记", based_on=OLD)
    yield ctx, mixed
    ctx.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_preview_apply_and_list(
    seeded: tuple[Context, Mixed], capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, mixed = seeded
    code, out, err = run(
        capsys,
        "migrate", "plan", "--workflow", "mediation", "--from", str(OLD), "--to", str(NEW),
        "--map", "intake=reception", "--reason", f"v{NEW} renames intake",
        "--actor", "zhou.min", "--role", "supervisor",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"run 1: mediation v{OLD} -> v{NEW} [planned] total 6")
    code, out, err = run(capsys, "migrate", "preview", "1", "--movable", "no")
    assert code == 0, err
    assert "[previewed] total 6, movable 3, refused 3" in out
    assert f"#{mixed.land} assessment -> assessment [refused] refused: bad_data" in out
    assert f"#{mixed.intake}" not in out
    code, out, err = run(capsys, "migrate", "preview", "1", "--json", "--state", "agreement")
    doc = json.loads(out)
    assert doc["run"]["movable"] == 3
    (agreed,) = doc["cases"]
    assert agreed["case_id"] == mixed.agreement and agreed["after"][0]["overdue"] is True
    code, out, err = run(capsys, "migrate", "apply", "1")
    assert code == 2 and "--yes" in err
    code, out, err = run(capsys, "migrate", "apply", "1", "--yes", "--actor", "zhou.min")
    assert code == 0, err
    report = json.loads(out.splitlines()[-1])
    assert (report["moved"], report["refused"], report["status"]) == (3, 3, "applied")
    history = ctx.cw.service.history(mixed.intake)
    assert (history[-1].action, history[-1].actor, history[-1].to_state) == (
        "migrate",
        "zhou.min",
        "reception",
    )
    code, out, err = run(capsys, "migrate", "list", "--workflow", "mediation")
    assert out.startswith(f"run 1: mediation v{OLD} -> v{NEW} [applied]")


def test_bad_input_is_refused_and_writes_nothing(
    seeded: tuple[Context, Mixed], capsys: pytest.CaptureFixture[str]
) -> None:
    assert seeded[0].cw.registry.get("mediation", NEW).version == NEW
    plan = ["migrate", "plan", "--workflow", "mediation", "--from", str(OLD), "--to", str(NEW)]
    with pytest.raises(SystemExit) as exit_:
        run(capsys, *plan, "--map", "intake", "--reason", "r")
    assert exit_.value.code == 2 and "old_state=new_state" in capsys.readouterr().err
    code, _, err = run(capsys, *plan, "--map", "intake=gone", "--reason", "r")
    assert code == 1 and f"v{NEW} has no state 'gone'" in err
    code, _, err = run(capsys, *plan, "--reason", "r", "--role", "mediator")
    assert code == 1 and "supervisor" in err
    code, _, err = run(capsys, "migrate", "preview", "5")
    assert code == 1 and "no migration run 5" in err
    code, out, _ = run(capsys, "migrate", "list")
    assert code == 0 and out == ""
