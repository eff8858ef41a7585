"""Importing units and users on the admin's pages: upload, a preview listing each problem by
row and column in Chinese, a fixed file imported after a clean preview; CSRF; other roles
refused; the audit page filtered by who, what and when."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

from engine.casework.context import Casework
from engine.external import ExternalRef
from engine.store.directory import units_by_code, user_lines
from engine.store.external_ids import case_of
from tests.pages.conftest import LoginAs, context_of, csrf_of, template_of

PATH = "/admin/import"
BAD = (
    "单位编码,单位名称,英文名称,类型,上级单位编码\n"
    "s-new,新华街道,Xinhua Street,街道,d-east\n"
    "cm-new,新华社区,Xinhua Community,社区,s-new\n"
    "g-new,新华网格,Xinhua grid,网格,cm-nowhere\n"
)
GOOD = BAD.replace("cm-nowhere", "cm-new")


def preview(client, token: str, text: str, what: str = "units", name: str = "units.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{PATH}/preview",
        data={"csrf_token": token, "what": what},
        files={"file": (name, text.encode(), "text/csv")},
    )


def test_an_admin_fixes_a_file_the_preview_refused_and_imports_it(
    login_as: LoginAs, ctx: Casework, app: FastAPI
) -> None:
    client = login_as("admin")
    page = client.get(PATH)
    assert template_of(page) == "admin/import.html" and 'enctype="multipart/form-data"' in page.text
    token = csrf_of(client, PATH)

    refused = preview(client, token, BAD)
    assert refused.status_code == 422
    lines = context_of(refused)["lines"]
    assert [(p.row, p.column, p.text) for p in lines] == [
        ("4", "上级单位编码", "上级单位编码不存在。")
    ]
    assert "import-apply" not in refused.text  # no import button while it has problems
    with ctx.store.transaction(write=False) as tx:
        assert "s-new" not in units_by_code(tx)

    clean = preview(client, token, GOOD)
    assert clean.status_code == 200
    assert "新增 3，更新 0，未变化 0" in clean.text
    kept = context_of(clean)["token"]
    assert re.fullmatch(r"[0-9a-f]{64}", kept)
    files = list((Path(app.state.uploads_dir) / "imports").glob("*.upload"))
    assert [f.name for f in files] == [f"{kept}.upload"] and files[0].stat().st_mode & 0o077 == 0

    done = client.post(
        f"{PATH}/apply",
        data={"csrf_token": token, "what": "units", "token": kept, "file_name": "units.csv"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert "已导入 units.csv：新增 3，更新 0，未变化 0" in shown.text
    with ctx.store.transaction(write=False) as tx:
        assert units_by_code(tx)["g-new"].parent == "cm-new"
    assert not (Path(app.state.uploads_dir) / "imports" / f"{kept}.upload").exists()

    gone = client.post(
        f"{PATH}/apply",
        data={"csrf_token": token, "what": "units", "token": kept, "file_name": "units.csv"},
    )
    assert gone.status_code == 410 and "已过期" in gone.text

    # The unit tree is reloaded: a user imported next may name the new grid.
    users = preview(client, token, "用户名,姓名,角色,网格\nwang,王,网格员,g-new\n", "users")
    assert users.status_code == 200, context_of(users)["lines"]


def test_a_token_that_is_no_hash_is_refused(login_as: LoginAs) -> None:
    client = login_as("admin")
    token = csrf_of(client, PATH)
    for bad in ("../../fq.db", "x" * 64, ""):
        sent = client.post(
            f"{PATH}/apply",
            data={"csrf_token": token, "what": "users", "token": bad, "file_name": "u.csv"},
        )
        assert sent.status_code == 410


def test_users_import_and_no_file(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("admin")
    token = csrf_of(client, PATH)
    empty = client.post(f"{PATH}/preview", data={"csrf_token": token, "what": "users"})
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.text
    text = "用户名,姓名,角色,所属单位\nli.new,李新,调解员,union\n"
    clean = preview(client, token, text, "users", "users.csv")
    kept = context_of(clean)["token"]
    client.post(
        f"{PATH}/apply",
        data={"csrf_token": token, "what": "users", "token": kept, "file_name": "users.csv"},
    )
    with ctx.store.transaction(write=False) as tx:
        assert user_lines(tx)["li.new"].unit == "union"


def test_without_csrf_nothing_is_kept_and_other_roles_are_refused(
    login_as: LoginAs, app: FastAPI
) -> None:
    client = login_as("admin")
    sent = client.post(
        f"{PATH}/preview",
        data={"what": "units"},
        files={"file": ("u.csv", GOOD.encode(), "text/csv")},
    )
    assert sent.status_code == 403
    assert not (Path(app.state.uploads_dir) / "imports").exists()
    for who in ("supervisor", "org_admin", "mediator"):
        other = login_as(who)
        assert other.get(PATH).status_code == 403
        assert other.get("/admin/audit").status_code == 403
        assert "/admin/import" not in other.get("/").text


def test_the_audit_page_filters_pages_and_links_its_csv(login_as: LoginAs) -> None:
    client = login_as("admin")
    token = csrf_of(client, PATH)
    kept = context_of(preview(client, token, GOOD))["token"]
    client.post(
        f"{PATH}/apply",
        data={"csrf_token": token, "what": "units", "token": kept, "file_name": "units.csv"},
    )
    page = client.get("/admin/audit", params={"action": "units_imported", "username": "admin"})
    assert template_of(page) == "admin/audit.html"
    lines = context_of(page)["lines"]
    assert [(e.username, e.action) for e in lines] == [("admin", "units_imported")]
    assert context_of(page)["csv"] == "/api/audit.csv?username=admin&action=units_imported"
    csv = client.get(context_of(page)["csv"])
    assert csv.status_code == 200 and "units_imported" in csv.text
    assert context_of(client.get("/admin/audit", params={"username": "nobody"}))["lines"] == []
    old = client.get("/admin/audit", params={"from": "2020-01-01", "to": "2020-01-02"})
    assert context_of(old)["lines"] == [] and "没有符合条件的记录" in old.text
    bad = client.get("/admin/audit", params={"from": "yesterday"})
    assert bad.status_code == 422 and "年-月-日" in bad.text
    everything = context_of(client.get("/admin/audit"))
    assert everything["current"] == 1 and everything["newer"] == ""
    second = context_of(client.get("/admin/audit", params={"page": "2"}))
    assert second["newer"] == "/admin/audit?page=1"


HOTLINE = (
    "工单编号,诉求类型,诉求内容,承办单位\n"
    "GD-7,家庭纠纷,婆媳矛盾,区妇联\n"
    "GD-8,没有的类型,噪音扰民,区妇联\n"
)


def test_an_admin_previews_and_imports_a_hotline_file(login_as: LoginAs, ctx: Casework) -> None:
    client = login_as("admin")
    page = client.get("/admin/hotline")
    assert template_of(page) == "admin/hotline.html"
    token = csrf_of(client, "/admin/hotline")

    def send(text: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/admin/hotline/preview",
            data={"csrf_token": token},
            files={"file": ("12345.csv", text.encode(), "text/csv")},
        )

    refused = send(HOTLINE)
    assert refused.status_code == 422
    lines = context_of(refused)["lines"]
    assert [(p.row, p.column) for p in lines] == [("3", "诉求类型")]
    assert "hotline-apply" not in refused.text
    clean = send(HOTLINE.replace("没有的类型", "邻里纠纷"))
    assert clean.status_code == 200 and "将新立案2件" in clean.text
    kept = context_of(clean)["token"]
    done = client.post(
        "/admin/hotline/apply",
        data={"csrf_token": token, "token": kept, "file_name": "12345.csv"},
        follow_redirects=True,
    )
    assert "新立案2件" in done.text
    again = send(HOTLINE.replace("没有的类型", "邻里纠纷"))
    assert "将新立案0件，已导入过的工单2个" in again.text
    assert "hotline-repeats-none" in again.text  # no new ticket: nothing looked up
    assert login_as("supervisor").get("/admin/hotline").status_code == 403


def test_the_hotline_preview_shows_the_open_cases_new_rows_likely_repeat(
    login_as: LoginAs, ctx: Casework
) -> None:
    client = login_as("admin")
    token = csrf_of(client, "/admin/hotline")

    def send(path: str, text: str, **data: str):  # type: ignore[no-untyped-def]
        return client.post(
            path,
            data={"csrf_token": token, **data},
            files={"file": ("12345.csv", text.encode(), "text/csv")},
            follow_redirects=True,
        )

    first = send(
        "/admin/hotline/preview",
        "工单编号,诉求类型,诉求内容,承办单位\nGD-7,家庭纠纷,婆媳矛盾,区妇联\n",
    )
    client.post(
        "/admin/hotline/apply",
        data={"csrf_token": token, "token": context_of(first)["token"], "file_name": "12345.csv"},
    )
    with ctx.store.transaction(write=False) as tx:
        opened = case_of(tx, ExternalRef("12345", "GD-7"))
    assert opened is not None
    follow = "工单编号,诉求类型,诉求内容,承办单位\nGD-9,家庭纠纷,婆媳矛盾！,区妇联\n"
    page = send("/admin/hotline/preview", follow)
    assert page.status_code == 200
    [line] = context_of(page)["repeats"]
    assert (line.row, line.ticket, [c.case_id for c in line.cases]) == (2, "GD-9", [opened])
    assert "1行的新工单可能重复在办案件" in page.text
    assert f'href="/cases/{opened}"' in page.text and "描述相似度 100%" in page.text
    assert "hotline-apply" in page.text  # a repeating row is imported all the same
