"""The demo data: organisations, areas, one user per role, cases in every state; idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from engine.casework import units_admin
from engine.casework.identity import ROLES, User
from engine.clock import ManualClock
from engine.store.queries import cases
from engine.store.units import all_units
from engine.visibility import Visibility
from fengqiao.cli import main
from fengqiao.context import Context, build
from fengqiao.demo import ORGANISATIONS, seed
from fengqiao.demo_cases import scripts
from fengqiao.settings import Settings


@pytest.fixture
def ctx(db_url: str, clock: ManualClock) -> Iterator[Context]:
    context = build(Settings(database_url=db_url), clock)
    yield context
    context.close()


def count_cases(ctx: Context) -> int:
    with ctx.cw.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())


def test_demo_seeds_every_state_of_every_shipped_workflow(ctx: Context) -> None:
    result = seed(ctx)
    reached: dict[str, set[str]] = {}
    for case_id in result["cases"].values():
        case = ctx.cw.service.get_case(case_id)
        reached.setdefault(case.workflow, set()).add(case.state)
    for d in ctx.cw.registry.all_latest():
        assert reached.get(d.name) == set(d.states), d.name


def test_demo_has_organisations_areas_and_a_user_per_role(ctx: Context) -> None:
    result = seed(ctx)
    with ctx.cw.store.transaction(write=False) as tx:
        units = {u.code: u for u in all_units(tx)}
    assert {code for code, *_ in ORGANISATIONS} <= set(units)
    assert {u.kind for u in units.values()} == {
        "organisation",
        "city",
        "district",
        "street",
        "community",
        "grid",
    }
    assert {u["role"] for u in result["users"]} == set(ROLES)
    client = TestClient(create_app(ctx.cw, uploads_dir=ctx.settings.uploads_dir))
    for u in result["users"]:
        r = client.post(
            "/api/auth/login", json={"username": u["username"], "password": u["password"]}
        )
        assert r.status_code == 200, u["username"]


def test_seeding_twice_duplicates_nothing(ctx: Context) -> None:
    first = seed(ctx)
    n = count_cases(ctx)
    second = seed(ctx)
    assert second["cases"] == first["cases"]
    assert count_cases(ctx) == n
    with ctx.cw.store.transaction(write=False) as tx:
        assert len(all_units(tx)) == first["units"]


def test_demo_command_prints_the_passwords(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'demo.db'}", "demo"]) == 0
    out = capsys.readouterr().out
    assert "mediator" in out and "demo-mediator" in out
    assert f"{len(scripts(date(2026, 11, 23)))} cases" in out  # one a demo script


def test_seeding_again_keeps_what_was_administered(ctx: Context) -> None:
    seed(ctx)
    admin = User(1, "admin", "admin", "admin", None, [], scope=Visibility(everything=True))
    units_admin.rename_unit(ctx.cw, admin, "cm-hp-2", "和平里第二社区", "Hepingli 2")
    units_admin.move_unit(ctx.cw, admin, "cm-qn-1", "s-heping")
    seed(ctx)
    with ctx.cw.store.transaction(write=False) as tx:
        units = {u.code: u for u in all_units(tx)}
    assert units["cm-hp-2"].name_zh == "和平里第二社区"
    assert units["cm-qn-1"].parent == "s-heping"
