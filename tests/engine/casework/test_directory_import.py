"""Importing and exporting the unit tree and the users, on SQLite and PostgreSQL: preview
writes nothing, apply is all or nothing and audited, a second import changes nothing, an
export imports back unchanged."""

from __future__ import annotations

import io
import json
from typing import NoReturn

import pytest

from engine.casework import directory_import as di
from engine.casework.context import Casework
from engine.casework.errors import ImportRefusedError, NotPermittedError
from engine.sheets import csv_chunks, write_xlsx
from engine.store import audit
from engine.store.directory import units_by_code, user_lines
from engine.store.users import get_user
from tests.engine.casework.conftest import UNITS, person

UNIT_FILE = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "s2,新华街道,Xinhua Street,街道,d1\n"
    "cm2,新华一社区,Xinhua Community 1,社区,s2\n"
    "g2,新华一社区第1网格,Grid 2,网格,cm2\n"
    "g1,第1网格,Grid 1,grid,cm1\n"  # stored already, unchanged
)
USER_FILE = (
    "用户名,姓名,角色,所属单位,网格\nli.ming,李明,调解员,union,\nwang.wg,王网格,网格员,,g1\n"
)


def raw(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def imported_audit(cw: Casework) -> list[tuple[str, str]]:
    with cw.store.transaction(write=False) as tx:
        return [(e.action, e.reason) for e in audit.entries(tx, limit=100)]


def test_preview_writes_nothing_and_apply_imports_with_one_audit_entry(cw: Casework) -> None:
    admin = person("admin")
    report = di.preview_units(cw, admin, raw(UNIT_FILE), "C:\\data\\units.csv")
    assert report.clean and not report.applied
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 3, 0, 1)
    assert report.file_name == "units.csv"
    with cw.store.transaction(write=False) as tx:
        assert "s2" not in units_by_code(tx)
    assert imported_audit(cw) == []

    done = di.apply_units(cw, admin, raw(UNIT_FILE), "units.csv")
    assert done.applied and (done.created, done.updated, done.unchanged) == (3, 0, 1)
    with cw.store.transaction(write=False) as tx:
        assert units_by_code(tx)["g2"].parent == "cm2"
    [(action, reason)] = imported_audit(cw)
    assert action == "units_imported"
    assert json.loads(reason) == {
        "file": "units.csv",
        "rows": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 1,
    }

    again = di.apply_units(cw, admin, raw(UNIT_FILE), "units.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    changed = UNIT_FILE.replace("新华街道", "新华路街道")
    fixed = di.apply_units(cw, admin, raw(changed), "units.csv")
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 1, 3)


def test_a_file_with_problems_is_refused_whole(cw: Casework) -> None:
    admin = person("admin")
    bad = UNIT_FILE + "g3,坏网格,,网格,nowhere\n"
    report = di.preview_units(cw, admin, raw(bad), "units.csv")
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (6, "上级单位编码", "unknown_parent")
    ]
    assert report.created == 0
    with pytest.raises(ImportRefusedError) as refused:
        di.apply_units(cw, admin, raw(bad), "units.csv")
    assert refused.value.problems == report.problems
    with cw.store.transaction(write=False) as tx:
        assert "s2" not in units_by_code(tx)
    assert imported_audit(cw) == []


def test_an_import_whose_audit_fails_writes_nothing(
    cw: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> NoReturn:
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record", refuse)
    with pytest.raises(RuntimeError):
        di.apply_users(cw, person("admin"), raw(USER_FILE), "users.csv")
    with cw.store.transaction(write=False) as tx:
        assert user_lines(tx) == {}


def test_imported_users_have_no_password_and_keep_theirs_on_update(cw: Casework) -> None:
    admin = person("admin")
    done = di.apply_users(cw, admin, raw(USER_FILE), "users.csv")
    assert (done.created, done.updated, done.unchanged) == (2, 0, 0)
    with cw.store.transaction() as tx:
        rec = get_user(tx, "wang.wg")
        assert rec is not None and rec.password_hash == "" and rec.grid_units == ("g1",)
        tx.conn.exec_driver_sql("UPDATE users SET password_hash = 'set-by-admin'")
    again = di.apply_users(cw, admin, raw(USER_FILE.replace("李明", "李明明")), "users.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    with cw.store.transaction(write=False) as tx:
        rec = get_user(tx, "li.ming")
        assert rec is not None and rec.display_name == "李明明"
        assert rec.password_hash == "set-by-admin"
    assert [a for a, _ in imported_audit(cw)] == ["users_imported", "users_imported"]


def test_users_are_checked_against_the_stored_units(cw: Casework) -> None:
    report = di.preview_users(
        cw, person("admin"), raw("用户名,姓名,角色,所属单位,网格\nx,某,网格员,,cm1\n"), "u.csv"
    )
    assert [(p.row, p.column, p.code) for p in report.problems] == [(2, "网格", "not_a_grid")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(cw: Casework, fmt: str) -> None:
    admin = person("admin")
    di.apply_units(cw, admin, raw(UNIT_FILE), "units.csv")
    di.apply_users(cw, admin, raw(USER_FILE), "users.csv")
    for what in ("units", "users"):
        table = di.export(cw, admin, what)
        if fmt == "csv":
            data = io.BytesIO(b"".join(csv_chunks(table.header, table.rows)))
        else:
            data = io.BytesIO()
            write_xlsx(data, table.header, table.rows, what)
            data.seek(0)
        report = di.apply(cw, admin, what, data, f"{what}.{fmt}")
        assert report.clean and report.created == report.updated == 0
        assert report.unchanged == report.rows == len(table.rows)
    units = di.export_units(cw, admin)
    assert units.header == ("单位编码", "单位名称", "英文名称", "类型", "上级单位编码")
    assert len(units.rows) == len(UNITS) + 3
    codes = [r[0] for r in units.rows]
    assert codes.index("d1") < codes.index("s2") < codes.index("cm2") < codes.index("g2")


def test_only_admins_import_and_export(cw: Casework) -> None:
    for name in ("supervisor", "org_admin", "mediator"):
        with pytest.raises(NotPermittedError):
            di.preview_units(cw, person(name), raw(UNIT_FILE), "u.csv")
        with pytest.raises(NotPermittedError):
            di.apply_users(cw, person(name), raw(USER_FILE), "u.csv")
        with pytest.raises(NotPermittedError):
            di.export_users(cw, person(name))
