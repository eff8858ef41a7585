"""The hotline import API: a 12345 export previewed (nothing written), imported (a case per
ticket, placed on its grid or organisation), imported again (nothing changes); a file with
problems answers 422 with them by row and column; only admins."""

from __future__ import annotations

from engine.casework.grid_places import set_grid_area
from engine.casework.identity import User
from engine.routing import GridArea
from engine.visibility import Visibility
from tests.api.conftest import World

ADMIN = User(0, "admin", "admin", "admin", None, [], scope=Visibility(everything=True))
FILE = (
    "工单编号,来电时间,来电人,联系电话,诉求类型,诉求内容,地址,经纬度,承办单位,办理状态\n"
    "GD-1,2026-12-01 09:30,王女士,13800000001,市容环卫,楼道堆放杂物,和平里东街3号,,,已派单\n"
    'GD-2,2026-12-01 10:00,,,道路设施,路灯不亮,,"39.955,116.405",,已派单\n'
    "GD-3,2026-12-01 11:00,李先生,13800000003,家庭纠纷,婆媳矛盾,,,区妇联,已派单\n"
)


def upload(w: World, path: str, text: str, who: str = "admin"):  # type: ignore[no-untyped-def]
    files = {"file": ("12345.csv", text.encode("utf-8"), "text/csv")}
    return w.client.post(path, files=files, headers=w.h(who))


def count(w: World) -> int:
    return int(w.client.get("/api/cases", headers=w.h("admin")).json()["total"])


def test_a_hotline_file_imported_twice_changes_nothing_the_second_time(any_world: World) -> None:
    w = any_world
    set_grid_area(w.ctx, ADMIN, GridArea("g-hp-1-1", 39.95, 116.40, 39.96, 116.41, ("和平里东街",)))
    before = count(w)
    preview = upload(w, "/api/hotline/preview", FILE)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["rows"], body["created"], body["existing"], body["applied"]) == (3, 3, 0, False)
    assert count(w) == before
    first = upload(w, "/api/hotline/apply", FILE).json()
    assert (first["created"], first["existing"], first["applied"]) == (3, 0, True)
    assert count(w) == before + 3
    found = w.client.get(
        "/api/cases", params={"source": "12345", "ticket": "GD-3"}, headers=w.h("admin")
    ).json()["items"]
    assert [(c["workflow"], c["org_unit"]) for c in found] == [("mediation", "women")]
    again = upload(w, "/api/hotline/apply", FILE).json()
    assert (again["created"], again["existing"]) == (0, 3)
    assert count(w) == before + 3


def test_problems_answer_by_row_and_column_and_only_admins_import(any_world: World) -> None:
    w = any_world
    bad = FILE.replace("市容环卫", "不存在的类型")
    refused = upload(w, "/api/hotline/apply", bad)
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    # GD-2's point lies in no grid: none was placed in this test.
    assert {(p["row"], p["column"], p["code"]) for p in problems} == {
        (2, "诉求类型", "unknown_service"),
        (3, "经纬度", "unrouted"),
    }
    preview = upload(w, "/api/hotline/preview", bad).json()
    assert (preview["problem_count"], preview["created"]) == (2, 1)  # the clean row, counted
    assert upload(w, "/api/hotline/preview", FILE, who="supervisor").status_code == 403


def test_the_preview_answers_the_open_cases_new_rows_likely_repeat(any_world: World) -> None:
    w = any_world
    set_grid_area(w.ctx, ADMIN, GridArea("g-hp-1-1", 39.95, 116.40, 39.96, 116.41, ("和平里东街",)))
    assert upload(w, "/api/hotline/apply", FILE).status_code == 200
    [road] = w.client.get(
        "/api/cases", params={"source": "12345", "ticket": "GD-2"}, headers=w.h("admin")
    ).json()["items"]
    follow = (
        "工单编号,诉求类型,诉求内容,经纬度,联系电话\n"
        'GD-2,道路设施,路灯不亮,"39.955,116.405",\n'  # in already: not looked up
        'GD-9,道路设施,路灯不亮了,"39.9551,116.4051",13900000009\n'
    )
    before = count(w)
    body = upload(w, "/api/hotline/preview?repeats=true", follow).json()
    assert (body["created"], body["existing"], body["repeat_rows"]) == (1, 1, 1)
    [row] = body["repeats"]
    assert (row["row"], row["ticket"]) == (3, "GD-9")
    [case] = row["cases"]
    assert (case["case_id"], case["reasons"]) == (road["id"], ["place", "text"])
    assert case["distance_m"] < 50 and case["text_score"] >= 0.75
    assert count(w) == before  # nothing written
    plain = upload(w, "/api/hotline/preview", follow).json()
    assert (plain["repeat_rows"], plain["repeats"]) == (0, [])
