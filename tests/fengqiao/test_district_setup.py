"""A district set up without the demo: `fengqiao init`, the unit tree and the users imported
from the spreadsheets it keeps, two passwords set; then a grid member and a mediator created
there log in and see exactly their own area."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fengqiao.cli import main
from fengqiao.context import build
from fengqiao.settings import Settings

ADMIN_PASSWORD = "the district's own secret"
PASSWORD = "a long enough secret"

UNITS = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "d-xh,西湖区,Xihu District,区,\n"
    "s-bd,北大街道,North Street,街道,d-xh\n"
    "s-nd,南大街道,South Street,街道,d-xh\n"
    "c-bd-1,北大一社区,North 1,社区,s-bd\n"
    "c-nd-1,南大一社区,South 1,社区,s-nd\n"
    "g-bd-1-1,北大一社区第1网格,North 1 Grid 1,网格,c-bd-1\n"
    "g-nd-1-1,南大一社区第1网格,South 1 Grid 1,网格,c-nd-1\n"
    "xh-union,西湖区总工会,Xihu Trade Union,组织,d-xh\n"
    "xh-women,西湖区妇联,Xihu Women's Federation,组织,d-xh\n"
)
USERS = (
    "用户名,姓名,角色,所属单位,网格\n"
    "wang.wei,王伟,网格员,,g-bd-1-1\n"
    "zhao.lei,赵磊,网格员,,g-nd-1-1\n"
    "li.na,李娜,调解员,xh-union,\n"
    "chen.jing,陈静,调解员,xh-women,\n"
)
REPORT = {
    "location": "北大街12号",
    "category": "sanitation",
    "severity": "yellow",
    "description": "垃圾清运点满溢",
}
INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "邻里因漏水发生争执",
    "notice_given": True,
}


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(args))


def test_a_district_from_its_spreadsheets_works_for_the_people_it_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'district.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    units, users = tmp_path / "units.csv", tmp_path / "users.csv"
    units.write_text(UNITS, encoding="gbk")  # as the district's office saves it
    users.write_text(USERS, encoding="utf-8-sig")

    assert run(monkeypatch, "init", "--password-stdin", stdin=ADMIN_PASSWORD + "\n") == 0
    assert run(monkeypatch, "import", "units", str(units), "--apply", "--actor", "admin") == 0
    assert run(monkeypatch, "import", "users", str(users), "--apply", "--actor", "admin") == 0
    for person in ("wang.wei", "zhao.lei", "li.na", "chen.jing"):
        args = ("users", "reset-password", person, "--password-stdin", "--actor", "admin")
        assert run(monkeypatch, *args, stdin=PASSWORD + "\n") == 0
    capsys.readouterr()

    ctx = build(Settings(database_url=url))
    try:
        client = TestClient(create_app(ctx.cw, uploads_dir=tmp_path / "uploads"))

        def login(username: str, password: str = PASSWORD) -> dict[str, str]:
            r = client.post("/api/auth/login", json={"username": username, "password": password})
            assert r.status_code == 200, (username, r.text)
            return {"Authorization": f"Bearer {r.json()['token']}"}

        def seen(headers: dict[str, str]) -> set[int]:
            listed: Any = client.get("/api/cases", headers=headers).json()
            return {c["id"] for c in listed["items"]}

        admin = login("admin", ADMIN_PASSWORD)
        wang, zhao = login("wang.wei"), login("zhao.lei")
        li, chen = login("li.na"), login("chen.jing")

        def report(headers: dict[str, str], grid: str) -> int:
            r = client.post(
                "/api/grid-reports", json={**REPORT, "grid_unit": grid}, headers=headers
            )
            assert r.status_code == 201, r.text
            return int(r.json()["case"]["id"])

        def intake(headers: dict[str, str]) -> int:
            r = client.post(
                "/api/cases", json={"workflow": "mediation", "data": INTAKE}, headers=headers
            )
            assert r.status_code == 201, r.text
            return int(r.json()["case"]["id"])

        north, south = report(wang, "g-bd-1-1"), report(zhao, "g-nd-1-1")
        union, women = intake(li), intake(chen)
        # A grid member may not report for a grid that is not theirs.
        r = client.post("/api/grid-reports", json={**REPORT, "grid_unit": "g-nd-1-1"}, headers=wang)
        assert r.status_code in (403, 422), r.text

        assert seen(wang) == {north}
        assert seen(zhao) == {south}
        assert seen(li) == {union}
        assert seen(chen) == {women}
        assert seen(admin) == {north, south, union, women}
        for headers, other in ((wang, south), (li, women), (chen, north)):
            assert client.get(f"/api/cases/{other}", headers=headers).status_code == 404
    finally:
        ctx.close()


def test_an_imported_user_cannot_log_in_before_a_password_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'district.db'}"
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    units, users = tmp_path / "units.csv", tmp_path / "users.csv"
    units.write_text(UNITS, encoding="utf-8")
    users.write_text(USERS, encoding="utf-8")
    assert run(monkeypatch, "init", "--password-stdin", stdin=ADMIN_PASSWORD + "\n") == 0
    assert run(monkeypatch, "import", "units", str(units), "--apply", "--actor", "admin") == 0
    assert run(monkeypatch, "import", "users", str(users), "--apply", "--actor", "admin") == 0
    capsys.readouterr()
    ctx = build(Settings(database_url=url))
    try:
        client = TestClient(create_app(ctx.cw, uploads_dir=tmp_path / "uploads"))
        for password in ("", PASSWORD):
            r = client.post("/api/auth/login", json={"username": "li.na", "password": password})
            assert r.status_code in (401, 422), r.text
    finally:
        ctx.close()
