"""The import and export API: multipart upload, preview, apply (422 with the problems by row
and column), exports that import back unchanged; the audit log filtered, as JSON and CSV."""

from __future__ import annotations

import csv
import io

from api.limits import IMPORT_MAX_BODY
from tests.api.conftest import World

UNITS = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "s-new,新华街道,Xinhua Street,街道,d-east\n"
    "cm-new,新华一社区,Xinhua Community 1,社区,s-new\n"
    "g-new,新华一社区第1网格,Xinhua grid 1,网格,cm-new\n"
)
USERS = "用户名,姓名,角色,所属单位,网格\nwang.new,王新,网格员,,g-new\n"


def upload(w: World, path: str, text: str | bytes, name: str = "f.csv", who: str = "admin"):  # type: ignore[no-untyped-def]
    raw = text.encode() if isinstance(text, str) else text
    return w.client.post(path, files={"file": (name, raw, "text/csv")}, headers=w.h(who))


def test_preview_then_apply_units_and_users(any_world: World) -> None:
    w = any_world
    preview = upload(w, "/api/import/units/preview", UNITS, "units.csv")
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["problems"] == [] and body["applied"] is False
    assert (body["rows"], body["created"], body["updated"], body["unchanged"]) == (3, 3, 0, 0)
    listed = w.client.get("/api/units", headers=w.h("admin")).json()
    assert all(u["code"] != "g-new" for u in listed)

    applied = upload(w, "/api/import/units/apply", UNITS, "units.csv")
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] is True
    codes = {u["code"] for u in w.client.get("/api/units", headers=w.h("admin")).json()}
    assert {"s-new", "cm-new", "g-new"} <= codes  # the unit tree is reloaded at once

    again = upload(w, "/api/import/units/apply", UNITS, "units.csv").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)

    users = upload(w, "/api/import/users/apply", USERS, "users.csv")
    assert users.status_code == 200, users.text
    assert users.json()["created"] == 1
    rec = w.user("wang.new")
    assert rec is not None and rec.password_hash == "" and rec.grid_units == ("g-new",)
    login = w.client.post("/api/auth/login", json={"username": "wang.new", "password": ""})
    assert login.status_code in (401, 422)

    audit = w.client.get(
        "/api/audit", params={"action": "units_imported"}, headers=w.h("admin")
    ).json()
    assert len(audit) == 2 and '"file": "units.csv"' in audit[0]["reason"]


def test_a_file_with_problems_answers_them_by_row_and_column(world: World) -> None:
    bad = UNITS + "g-bad,坏网格,,网格,nowhere\ns-new,重复,,街道,d-east\n"
    preview = upload(world, "/api/import/units/preview", bad).json()
    assert [(p["row"], p["column"], p["code"]) for p in preview["problems"]] == [
        (5, "上级单位编码", "unknown_parent"),
        (6, "单位编码", "duplicate"),
    ]
    refused = upload(world, "/api/import/units/apply", bad)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert body["type"] == "/problems/import-refused"
    assert [p["code"] for p in body["problems"]] == ["unknown_parent", "duplicate"]
    codes = {u["code"] for u in world.client.get("/api/units", headers=world.h("admin")).json()}
    assert "s-new" not in codes


def test_gbk_and_xlsx_uploads(world: World) -> None:
    assert upload(world, "/api/import/units/preview", UNITS.encode("gbk")).json()["created"] == 3
    from engine.sheets import write_xlsx

    rows = [line.split(",") for line in UNITS.strip().split("\n")]
    out = io.BytesIO()
    write_xlsx(out, rows[0], rows[1:], "units")
    body = upload(world, "/api/import/units/apply", out.getvalue(), "units.xlsx").json()
    assert body["created"] == 3 and body["applied"] is True


def test_only_admins_and_only_files_within_the_cap(world: World) -> None:
    for who in ("supervisor", "org_admin", "mediator"):
        assert upload(world, "/api/import/units/preview", UNITS, who=who).status_code == 403
        assert world.client.get("/api/export/users.csv", headers=world.h(who)).status_code == 403
    assert upload(world, "/api/import/groups/preview", UNITS).status_code == 422
    huge = b"x" * (IMPORT_MAX_BODY + 1)
    assert upload(world, "/api/import/units/preview", huge).status_code == 413


def test_exports_import_back_unchanged(world: World) -> None:
    for what in ("units", "users"):
        for ext in ("csv", "xlsx"):
            got = world.client.get(f"/api/export/{what}.{ext}", headers=world.h("admin"))
            assert got.status_code == 200, got.text
            assert f'filename="{what}.{ext}"' in got.headers["content-disposition"]
            if ext == "csv":
                assert got.content.startswith(b"\xef\xbb\xbf")
            body = upload(world, f"/api/import/{what}/apply", got.content, f"{what}.{ext}").json()
            assert body["problems"] == [], body["problems"]
            assert body["created"] == body["updated"] == 0 and body["unchanged"] == body["rows"]


def test_the_audit_log_filtered_and_as_csv(world: World) -> None:
    upload(world, "/api/import/units/apply", UNITS, "units.csv")
    h = world.h("admin")
    mine = world.client.get("/api/audit", params={"username": "admin"}, headers=h).json()
    assert [e["action"] for e in mine] == ["units_imported"]
    assert world.client.get("/api/audit", params={"username": "nobody"}, headers=h).json() == []
    day = {"from": "2026-11-23", "to": "2026-11-23"}  # the world's clock: 09:00 in Beijing
    assert len(world.client.get("/api/audit", params=day, headers=h).json()) >= 1
    before = {"from": "2026-11-20", "to": "2026-11-22"}
    assert world.client.get("/api/audit", params=before, headers=h).json() == []
    got = world.client.get("/api/audit.csv", params={"action": "units_imported"}, headers=h)
    assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "时间", "用户", "操作", "案件", "当事人", "说明"]
    assert [r[3] for r in rows[1:]] == ["units_imported"] and rows[1][1].endswith("+08:00")
    refused = world.client.get("/api/audit.csv", headers=world.h("supervisor"))
    assert refused.status_code == 403
    bad = world.client.get("/api/audit", params={"from": "yesterday"}, headers=h)
    assert bad.status_code == 422


def test_the_import_routes_are_in_openapi(world: World) -> None:
    paths = world.client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/import/{what}/preview",
        "/api/import/{what}/apply",
        "/api/export/{what}.csv",
        "/api/export/{what}.xlsx",
        "/api/audit.csv",
    ):
        assert path in paths
    body = paths["/api/import/{what}/preview"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
