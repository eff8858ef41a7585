"""Importing a 12345 hotline's export: a preview with every problem by row and column that
writes nothing; an import opens a case per ticket on the grid or organisation its place and
type lead to; importing the same file again changes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import Workbook

from engine.casework.context import Casework
from engine.casework.errors import ImportRefusedError, NotPermittedError
from engine.casework.grid_places import set_grid_area, set_service_route
from engine.casework.hotline_import import HOTLINE_IMPORTED, apply_hotline, preview_hotline
from engine.clock import ManualClock
from engine.duplicates import DEFAULT_WINDOW_DAYS
from engine.routing import GridArea
from engine.store import audit
from engine.store.external_ids import origins_of
from engine.store.parties import parties_of
from engine.store.queries import cases
from tests.engine.casework.conftest import person

HEADER = [
    "工单编号",
    "来电时间",
    "来电人",
    "联系电话",
    "诉求类型",
    "诉求内容",
    "地址",
    "经纬度",
    "承办单位",
    "回访结果",
]
ROWS = [
    [
        "GD001",
        "2026-12-01 09:30",
        "王女士",
        "13800000001",
        "市容环卫",
        "楼道堆放杂物",
        "和平里东街3号",
        "",
        "",
        "",
    ],
    [
        "GD002",
        "2026-12-01 10:05",
        "",
        "",
        "grid_escalation.road_facility",
        "路灯不亮",
        "",
        "39.955,116.405",
        "",
        "",
    ],
    [
        "GD003",
        "2026/12/01 11:00",
        "李先生",
        "13800000003",
        "mediation.labour",
        "拖欠工资",
        "和平里东街5号",
        "",
        "",
        "",
    ],
    ["GD004", "", "", "", "家庭纠纷", "婆媳矛盾", "", "", "区妇联", ""],
]


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8-sig"))


def xlsx_file(rows: list[list[str]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


@pytest.fixture
def placed(cw: Casework) -> Casework:
    admin = person("admin")
    set_grid_area(cw, admin, GridArea("g1", 39.95, 116.40, 39.96, 116.41, ("和平里东街",)))
    set_service_route(cw, admin, "mediation.labour", "d1", "union")
    return cw


def all_cases(cw: Casework) -> list[Any]:
    with cw.store.transaction(write=False) as tx:
        return list(tx.conn.execute(cases.select().order_by(cases.c.id)).all())


def test_a_hotline_file_imported_twice_opens_each_ticket_once(placed: Casework) -> None:
    cw = placed
    admin = person("admin")
    preview = preview_hotline(cw, admin, csv_file(ROWS), "12345-20261201.csv")
    assert preview.clean and (preview.rows, preview.created, preview.existing) == (4, 4, 0)
    assert all_cases(cw) == []
    done = apply_hotline(cw, admin, csv_file(ROWS), "12345-20261201.csv", batch=3)
    assert (done.created, done.existing, done.applied) == (4, 0, True)
    rows = all_cases(cw)
    by_ticket = {r.external_id: r for r in rows}
    assert {r.external_source for r in rows} == {"12345"}
    sanitation, road, labour, family = (by_ticket[t] for t in ("GD001", "GD002", "GD003", "GD004"))
    assert (sanitation.workflow, sanitation.grid_unit, sanitation.data["category"]) == (
        "grid_escalation",
        "g1",
        "sanitation",
    )
    assert road.grid_unit == "g1"  # by its point
    assert (labour.workflow, labour.org_unit, labour.data["source"]) == (
        "mediation",
        "union",
        "hotline",
    )
    assert family.org_unit == "women"  # 承办单位 named it
    with cw.store.transaction(write=False) as tx:
        [reporter] = parties_of(tx, cw.sealer, sanitation.id)
        origin = origins_of(tx, [sanitation.id])[sanitation.id]
        entries = audit.entries(tx, action=HOTLINE_IMPORTED)
    assert (reporter.name, reporter.phone) == ("王女士", "13800000001")
    assert (
        origin.reported_at is not None
        and origin.reported_at.isoformat() == "2026-12-01T01:30:00+00:00"
    )
    assert [json.loads(e.reason)["created"] for e in entries] == [1, 3]  # newest first

    again = apply_hotline(cw, admin, xlsx_file(ROWS), "12345-20261201.xlsx")
    assert (again.created, again.existing) == (0, 4)
    assert all_cases(cw) == rows  # nothing changed
    assert preview_hotline(cw, admin, csv_file(ROWS), "x.csv").existing == 4


def test_problems_are_listed_by_row_and_column_and_nothing_is_written(placed: Casework) -> None:
    cw = placed
    bad = [
        ["", "", "", "", "市容环卫", "杂物", "和平里东街3号", "", "", ""],
        ["GD102", "昨天", "", "", "没有的类型", "", "", "91,116", "", ""],
        ["GD103", "", "", "", "其他", "x", "别处", "", "", ""],
        ["GD104", "", "", "", "市容环卫", "x", "", "", "区总工会", ""],
        ["GD105", "", "", "", "市容环卫", "x", "", "", "没有的单位", ""],
        ROWS[0],
    ]
    report = preview_hotline(cw, person("admin"), csv_file(bad), "bad.csv")
    found = {(p.row, p.column, p.code) for p in report.problems}
    assert found == {
        (2, "工单编号", "required"),
        (3, "来电时间", "invalid"),
        (3, "诉求类型", "unknown_service"),
        (3, "诉求内容", "required"),
        (3, "经纬度", "invalid"),
        (4, "诉求类型", "ambiguous"),  # 其他: a grid's and a mediation's
        (5, "承办单位", "unit_kind"),
        (6, "承办单位", "unknown_unit"),
    }
    assert report.problem_count == len(report.problems) and not report.clean
    with pytest.raises(ImportRefusedError):
        apply_hotline(cw, person("admin"), csv_file(bad), "bad.csv")
    assert all_cases(cw) == []


def test_a_file_without_the_layout_or_the_permission_is_refused(placed: Casework) -> None:
    cw = placed
    report = preview_hotline(cw, person("admin"), csv_file([], ["编号", "内容"]), "x.csv")
    assert {(p.row, p.code) for p in report.problems} == {(1, "missing_column")}
    with pytest.raises(NotPermittedError):
        preview_hotline(cw, person("supervisor"), csv_file(ROWS), "x.csv")
    report = preview_hotline(cw, person("admin"), io.BytesIO(b"\x00\x01"), "x.csv")
    assert [p.code for p in report.problems] == ["encoding"]


def test_the_preview_lists_the_open_cases_each_new_row_likely_repeats(placed: Casework) -> None:
    cw = placed
    admin = person("admin")
    apply_hotline(cw, admin, csv_file(ROWS), "12345-20261201.csv")
    ids = {r.external_id: r.id for r in all_cases(cw)}
    again = [
        ROWS[0],  # its ticket is in already: not a new row, not looked up
        ["GD201", "", "", "13800000001", "市容环卫", "小区门口积水", "和平里东街9号", "", "", ""],
        ["GD202", "", "", "", "道路设施", "路灯不亮了", "", "39.9551,116.4051", "", ""],
        ["GD203", "", "", "", "家庭纠纷", "邻居半夜装修噪音", "", "", "区妇联", ""],
    ]
    before = all_cases(cw)
    report = preview_hotline(cw, admin, csv_file(again), "12345-20261202.csv", repeats=True)
    assert report.clean and (report.created, report.existing) == (3, 1)
    assert report.repeat_rows == 2
    by_row = {x.row: x for x in report.repeats}
    assert set(by_row) == {3, 4}
    [caller] = by_row[3].cases
    assert (by_row[3].ticket, caller.case_id, caller.reasons) == (
        "GD201",
        ids["GD001"],
        ("caller",),
    )
    [road] = by_row[4].cases
    assert (road.case_id, road.reasons) == (ids["GD002"], ("place", "text"))
    assert road.distance_m is not None and road.distance_m < 50
    assert road.text_score is not None and road.text_score >= 0.75
    assert all_cases(cw) == before  # the preview writes nothing
    plain = preview_hotline(cw, admin, csv_file(again), "12345-20261202.csv")
    assert (plain.repeats, plain.repeat_rows) == ((), 0)  # not asked: no lookups
    done = apply_hotline(cw, admin, csv_file(again), "12345-20261202.csv")
    assert done.created == 3  # rows that repeat are imported all the same


def test_a_row_repeats_only_cases_opened_within_the_window(
    placed: Casework, clock: ManualClock
) -> None:
    cw = placed
    apply_hotline(cw, person("admin"), csv_file(ROWS[1:2]), "a.csv")
    row = ["GD301", "", "", "", "道路设施", "路灯不亮了", "", "39.9551,116.4051", "", ""]
    seen = preview_hotline(cw, person("admin"), csv_file([row]), "b.csv", repeats=True)
    assert seen.repeat_rows == 1
    clock.advance(timedelta(days=DEFAULT_WINDOW_DAYS + 1))
    later = preview_hotline(cw, person("admin"), csv_file([row]), "b.csv", repeats=True)
    assert (later.repeat_rows, later.repeats) == (0, ())
