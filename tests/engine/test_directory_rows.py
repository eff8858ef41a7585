"""The check of unit-tree and user files: every problem by row and column."""

from __future__ import annotations

import io

from engine.directory_rows import (
    UserLine,
    check_units,
    check_users,
    plan_units,
    plan_users,
    unit_cells,
    user_cells,
)
from engine.sheets import Sheet, read_sheet
from engine.units import UnitRecord

STORED = {
    "c1": UnitRecord("c1", "枫桥市", "Fengqiao City", "city"),
    "d9": UnitRecord("d9", "第9区", "District 9", "district", "c1"),
    "s9": UnitRecord("s9", "第9街道", "Street 9", "street", "d9"),
    "cm9": UnitRecord("cm9", "第9社区", "Community 9", "community", "s9"),
    "g9": UnitRecord("g9", "第9网格", "Grid 9", "grid", "cm9"),
}


def sheet(text: str) -> Sheet:
    return read_sheet(io.BytesIO(text.encode()), "f.csv")


def where(problems: object) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in problems]  # type: ignore[attr-defined]


def test_a_clean_unit_file_in_chinese_or_english_columns() -> None:
    rows = "d1,东城区,East,区,c1\ns1,街道一,,street,d1\n"
    zh = "单位编码,单位名称,英文名称,类型,上级单位编码"
    for header in (zh, "code,name_zh,name_en,KIND,parent"):
        checked = check_units(sheet(f"{header}\n{rows}"), STORED)
        assert checked.problems == ()
        assert checked.items == (
            UnitRecord("d1", "东城区", "East", "district", "c1"),
            UnitRecord("s1", "街道一", "", "street", "d1"),
        )


def test_header_problems_missing_wrong_and_duplicate_columns() -> None:
    checked = check_units(sheet("单位编码,code,名称,类型\nd1,d1,x,区\n"), STORED)
    assert where(checked.problems) == [
        (1, "code", "duplicate_column"),
        (1, "名称", "unknown_column"),
        (1, "单位名称", "missing_column"),
    ]
    assert checked.items == ()


def test_every_unit_row_problem_by_row_and_column() -> None:
    text = (
        "单位编码,单位名称,类型,上级单位编码\n"
        "d1,东城区,区,c1\n"  # 2: fine
        "d1,重复,区,c1\n"  # 3: duplicate code
        "s1,街道,村庄,d1\n"  # 4: bad kind
        "s2,街道二,街道,nowhere\n"  # 5: unknown parent
        "s3,街道三,街道,s3\n"  # 6: its own parent
        "a,甲,社区,b\n"  # 7: a → b → a
        "b,乙,社区,a\n"  # 8
        ",无编码,社区,s9\n"  # 9: no code
        "x y,空格,社区,s9\n"  # 10: bad code
        "g1,,网格,cm9\n"  # 11: no name
        "s4,街道四,街道,d1,extra\n"  # 12: a cell past the header
    )
    checked = check_units(sheet(text), STORED)
    assert where(checked.problems) == [
        (3, "单位编码", "duplicate"),
        (4, "类型", "bad_kind"),
        (5, "上级单位编码", "unknown_parent"),
        (6, "上级单位编码", "own_parent"),
        (7, "上级单位编码", "cycle"),
        (8, "上级单位编码", "cycle"),
        (9, "单位编码", "required"),
        (10, "单位编码", "bad_code"),
        (11, "单位名称", "required"),
        (12, "#5", "extra_cells"),
    ]
    assert checked.problems[0].detail == "this code is in row 2 already"


def test_a_cycle_through_the_stored_tree() -> None:
    checked = check_units(sheet("code,name_zh,kind,parent\nc1,市,city,g9\n"), STORED)
    assert where(checked.problems) == [(2, "parent", "cycle")]


def test_plan_units_counts_created_updated_unchanged() -> None:
    items = [
        UnitRecord("c1", "枫桥市", "Fengqiao City", "city"),
        UnitRecord("g9", "第九网格", "Grid 9", "grid", "c1"),
        UnitRecord("d1", "东城区", "", "district", "c1"),
    ]
    plan = plan_units(items, STORED)
    assert (len(plan.create), len(plan.update), plan.unchanged) == (1, 1, 1)


def test_unit_export_cells_read_back_the_same() -> None:
    rows = "\n".join(",".join(unit_cells(u)) for u in STORED.values())
    checked = check_units(sheet(f"单位编码,单位名称,英文名称,类型,上级单位编码\n{rows}\n"), {})
    assert checked.problems == () and checked.items == tuple(STORED.values())


KINDS = {"c1": "city", "d1": "district", "g1": "grid", "g2": "grid"}


def test_a_clean_user_file_with_grids_in_both_separators() -> None:
    text = (
        "用户名,姓名,角色,所属单位,网格\n"
        "li.ming,李明,调解员,d1,\n"
        "wang,王网格,grid_member,,g1、g2\n"
        'zhao,赵,网格员,d1,"g1,g2"\n'
        "root,管理员,admin,,\n"
    )
    checked = check_users(sheet(text), KINDS)
    assert checked.problems == ()
    assert checked.items[1] == UserLine("wang", "王网格", "grid_member", None, ("g1", "g2"))
    assert checked.items[2].grid_units == ("g1", "g2")


def test_every_user_row_problem_by_row_and_column() -> None:
    text = (
        "username,display_name,role,unit,grids,lang\n"
        "a,甲,mediator,d1,,\n"  # 2: fine
        "a,甲二,mediator,d1,,\n"  # 3: duplicate
        "b,乙,boss,d1,,\n"  # 4: bad role
        "c,丙,mediator,nowhere,,\n"  # 5: unknown unit
        "d,丁,grid_member,,g7,\n"  # 6: unknown grid
        "e,戊,grid_member,,d1,\n"  # 7: not a grid
        "f,己,grid_member,,,\n"  # 8: a grid member without grid
        "g,庚,handler,,,\n"  # 9: a handler without unit
        "h,辛,mediator,d1,,fr\n"  # 10: bad language
        "i,,mediator,d1,,\n"  # 11: no name
        "j,壬,grid_member,,g1、g1,\n"  # 12: a grid twice
    )
    checked = check_users(sheet(text), KINDS)
    assert where(checked.problems) == [
        (3, "username", "duplicate"),
        (4, "role", "bad_role"),
        (5, "unit", "unknown_unit"),
        (6, "grids", "unknown_grid"),
        (7, "grids", "not_a_grid"),
        (8, "grids", "grids_required"),
        (9, "unit", "unit_required"),
        (10, "lang", "bad_lang"),
        (11, "display_name", "required"),
        (12, "grids", "duplicate_grid"),
    ]


def test_plan_users_and_export_cells_read_back() -> None:
    lines = (
        UserLine("a", "甲", "mediator", "d1", ()),
        UserLine("w", "网格员", "grid_member", None, ("g1", "g2"), "en"),
    )
    rows = "\n".join(",".join(f'"{c}"' for c in user_cells(u)) for u in lines)
    checked = check_users(sheet(f"用户名,姓名,角色,所属单位,网格,语言\n{rows}\n"), KINDS)
    assert checked.problems == () and checked.items == lines
    plan = plan_users(checked.items, {"a": lines[0], "w": UserLine("w", "x", "admin", None, ())})
    assert (len(plan.create), len(plan.update), plan.unchanged) == (0, 1, 1)


def test_a_unit_under_a_parent_of_a_kind_that_cannot_hold_it() -> None:
    text = (
        "code,name_zh,kind,parent\n"
        "g1,网格,grid,d9\n"  # 2: a grid under a district
        "s1,街道,street,\n"  # 3: a street at the top
        "w1,工作室,workroom,union\n"  # 4: a workroom under its organisation: fine
        "union,工会,organisation,d9\n"  # 5: fine
        "cm1,社区,community,s9\n"  # 6: fine
    )
    checked = check_units(sheet(text), STORED)
    assert where(checked.problems) == [(2, "parent", "placement"), (3, "parent", "placement")]
    assert checked.problems[0].detail == "a grid sits under: community"
