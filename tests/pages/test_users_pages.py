"""The user management pages and "change my password", without JavaScript: forms with the
session's CSRF token, refusals shown on the form with a status, nav entries by role."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from engine.casework.context import Casework
from engine.store import audit
from engine.store import users as user_store
from tests.pages.conftest import PASSWORDS, LoginAs, context_of, csrf_of, post_login, template_of

NEW = "/admin/users/new"
PASSWORD = "a long enough secret"
OTHER = "another long secret"


def _create(client: TestClient, **values: str) -> Any:
    data = {
        "csrf_token": csrf_of(client, NEW),
        "username": "li.ming",
        "display_name": "李明",
        "role": "mediator",
        "unit": "union",
        "lang": "zh",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    data.update(values)
    return client.post(NEW, data=data, follow_redirects=False)


def _user_id(ctx: Casework, username: str) -> int:
    with ctx.store.transaction(write=False) as tx:
        rec = user_store.get_user(tx, username)
    assert rec is not None
    return rec.id


def _logs_in(app_client: TestClient, username: str, password: str) -> bool:
    return (
        int(post_login(app_client, {"username": username, "password": password}).status_code) == 303
    )


def test_an_admin_creates_changes_resets_and_deactivates_a_user(
    login_as: LoginAs, ctx: Casework
) -> None:
    admin = login_as("admin")
    listed = admin.get("/admin/users")
    assert template_of(listed) == "admin/users.html" and "用户管理" in listed.text
    sent = _create(admin)
    assert sent.status_code == 303, sent.text
    uid = _user_id(ctx, "li.ming")
    assert sent.headers["location"] == f"/admin/users/{uid}?done=created"
    page = admin.get(sent.headers["location"])
    assert template_of(page) == "admin/user.html" and "用户已创建" in page.text
    assert PASSWORD not in page.text

    token = csrf_of(admin, f"/admin/users/{uid}")
    changed = admin.post(
        f"/admin/users/{uid}",
        data={"csrf_token": token, "role": "org_admin", "unit": "union"},
        follow_redirects=False,
    )
    assert changed.headers["location"] == f"/admin/users/{uid}?done=changed"
    assert context_of(admin.get(f"/admin/users/{uid}"))["target"].role == "org_admin"

    reset = admin.post(
        f"/admin/users/{uid}/password",
        data={"csrf_token": token, "password": OTHER, "password_again": OTHER},
        follow_redirects=False,
    )
    assert reset.headers["location"] == f"/admin/users/{uid}?done=password"
    user = TestClient(admin.app)
    assert not _logs_in(user, "li.ming", PASSWORD)
    assert _logs_in(user, "li.ming", OTHER)
    assert user.get("/workroom").status_code == 200

    off = admin.post(
        f"/admin/users/{uid}/deactivate", data={"csrf_token": token}, follow_redirects=False
    )
    assert off.headers["location"] == f"/admin/users/{uid}?done=deactivated"
    gone = user.get("/workroom", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    on = admin.post(
        f"/admin/users/{uid}/reactivate", data={"csrf_token": token}, follow_redirects=False
    )
    assert on.headers["location"] == f"/admin/users/{uid}?done=reactivated"
    unlocked = admin.post(
        f"/admin/users/{uid}/unlock", data={"csrf_token": token}, follow_redirects=False
    )
    assert unlocked.headers["location"] == f"/admin/users/{uid}?done=unlocked"
    with ctx.store.transaction(write=False) as tx:
        actions = [e.action for e in audit.entries(tx, limit=100)]
    for action in (
        "user_created",
        "user_changed",
        "password_reset",
        "user_deactivated",
        "user_reactivated",
        "user_unlocked",
    ):
        assert action in actions


def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
    login_as: LoginAs, ctx: Casework
) -> None:
    admin = login_as("admin")
    cases = [
        ({"password": "short", "password_again": "short"}, 422, "密码至少需要 10 个字符"),
        ({"password_again": "something else"}, 422, "两次输入的密码不一致"),
        ({"role": "wizard"}, 422, "角色"),
        ({"unit": "mars"}, 422, "没有单位“mars”"),
        ({"username": "mediator"}, 409, "用户名“mediator”已被使用"),
        ({"unit": ""}, 422, "单位不符合要求"),
    ]
    for values, status, text in cases:
        r = _create(admin, **values)
        assert r.status_code == status, (values, r.text)
        assert template_of(r) == "admin/user_new.html"
        assert text in r.text, values
        assert 'value="li.ming"' in r.text or values.get("username") == "mediator"
    with ctx.store.transaction(write=False) as tx:
        assert user_store.get_user(tx, "li.ming") is None


def test_the_last_admin_is_not_deactivated_on_the_page(login_as: LoginAs, ctx: Casework) -> None:
    admin = login_as("admin")
    uid = _user_id(ctx, "admin")
    token = csrf_of(admin, f"/admin/users/{uid}")
    r = admin.post(f"/admin/users/{uid}/deactivate", data={"csrf_token": token})
    assert r.status_code == 409
    assert "最后一位启用的系统管理员" in r.text
    assert admin.get("/admin/users").status_code == 200


def test_an_org_admin_sees_and_creates_in_its_organisation_only(
    login_as: LoginAs, ctx: Casework
) -> None:
    boss = login_as("org_admin")
    page = context_of(boss.get("/admin/users"))
    assert {line.user.unit for line in page["lines"]} == {"union"}
    assert "admin" not in page["roles"] and "supervisor" not in page["roles"]
    assert {u.code for u in page["units"]} == {"union"}
    r = _create(boss, unit="women")
    assert r.status_code == 403 and "不在您的组织内" in r.text
    r = _create(boss, role="admin")
    assert r.status_code == 403
    women = _user_id(ctx, "mediator_women")
    assert boss.get(f"/admin/users/{women}").status_code == 404
    assert _create(boss).status_code == 303


def test_nav_links_by_role_and_others_refused(login_as: LoginAs) -> None:
    for username, sees in (("admin", True), ("org_admin", True), ("mediator", False)):
        client = login_as(username)
        home = client.get("/account/password")
        assert ('href="/admin/users"' in home.text) is sees, username
        assert 'href="/account/password"' in home.text
        if not sees:
            assert client.get("/admin/users").status_code == 403
            assert client.get(NEW).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(login_as: LoginAs, ctx: Casework) -> None:
    admin = login_as("admin")
    r = admin.post(NEW, data={"username": "x", "role": "mediator", "unit": "union"})
    assert r.status_code == 403
    with ctx.store.transaction(write=False) as tx:
        assert user_store.get_user(tx, "x") is None


def test_every_user_changes_their_own_password(login_as: LoginAs) -> None:
    me = login_as("mediator")
    token = csrf_of(me, "/account/password")
    other_session = login_as("mediator")
    wrong = me.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "not it",
            "new_password": OTHER,
            "new_password_again": OTHER,
        },
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    done = me.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORDS["mediator"],
            "new_password": OTHER,
            "new_password_again": OTHER,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/account/password?done=1"
    assert "密码已修改" in me.get(done.headers["location"]).text
    assert me.get("/workroom").status_code == 200
    ended = other_session.get("/workroom", follow_redirects=False)
    assert ended.status_code == 303
    fresh = TestClient(me.app)
    assert not _logs_in(fresh, "mediator", PASSWORDS["mediator"])
    assert _logs_in(fresh, "mediator", OTHER)


def test_no_password_is_ever_in_a_page(login_as: LoginAs, ctx: Casework) -> None:
    admin = login_as("admin")
    _create(admin)
    uid = _user_id(ctx, "li.ming")
    text = admin.get(f"/admin/users/{uid}").text + admin.get("/admin/users").text
    assert PASSWORD not in text and "$argon2" not in text
    assert not re.search(r'type="password"[^>]*value="[^"]', text)
