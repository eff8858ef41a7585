"""Claiming and assigning on the case page and the queue: my cases follow; a claim that came
second is a 409 page saying who holds the case."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.auth import hash_password
from engine.casework.context import Casework
from engine.model import Actor, Case
from engine.store.users import save_user
from tests.pages.conftest import LoginAs, context_of, csrf_of, post_login

INTAKE = {
    "category": "family",
    "source": "walk_in",
    "description": "邻里纠纷",
    "notice_given": True,
}


def _union_case(ctx: Casework) -> Case:
    return ctx.service.open_case(
        "mediation", Actor("org_admin", "org_admin"), INTAKE, org_unit="union"
    ).case


def _mine(client: TestClient) -> list[int]:
    return [c.id for c in context_of(client.get("/workroom?view=mine"))["cases"]]


def test_a_mediator_claims_from_the_case_page(login_as: LoginAs, ctx: Casework) -> None:
    case = _union_case(ctx)
    client = login_as("mediator")
    page = client.get(f"/cases/{case.id}")
    assert 'id="claim-form"' in page.text and "未指派" in page.text
    token = csrf_of(client, f"/cases/{case.id}")
    r = client.post(
        f"/cases/{case.id}/claim",
        data={"csrf_token": token, "version": str(case.version)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = client.get(r.headers["location"])
    assert "已认领" in shown.text and 'id="claim-form"' not in shown.text
    assert "认领案件" in shown.text  # the history says so
    assert case.id in _mine(client)


def test_a_second_claim_is_a_conflict_page(login_as: LoginAs, ctx: Casework, app: object) -> None:
    case = _union_case(ctx)
    with ctx.store.transaction() as tx:
        save_user(
            tx,
            username="li_union",
            password_hash=hash_password("li-password"),
            display_name="工会调解员 李",
            role="mediator",
            unit="union",
            grid_units=[],
            lang="zh",
            at=datetime(2026, 11, 1, tzinfo=UTC),
        )
    other = TestClient(app)  # type: ignore[arg-type]
    assert post_login(other, {"username": "li_union", "password": "li-password"}).status_code == 303
    first = login_as("mediator")
    token_first = csrf_of(first, f"/cases/{case.id}")
    token_other = csrf_of(other, f"/cases/{case.id}")  # both saw it unassigned
    r = first.post(
        f"/cases/{case.id}/claim",
        data={"csrf_token": token_first, "version": str(case.version)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = other.post(
        f"/cases/{case.id}/claim", data={"csrf_token": token_other, "version": str(case.version)}
    )
    assert r.status_code == 409
    assert "mediator" in r.text and "未作更改" in r.text
    assert ctx.service.get_case(case.id).assignee == "mediator"
    other.close()


def test_a_workroom_head_assigns_and_the_mediator_sees_it_as_theirs(
    login_as: LoginAs, ctx: Casework
) -> None:
    case = _union_case(ctx)
    head = login_as("org_admin")
    page = head.get(f"/cases/{case.id}")
    assert 'id="assign-form"' in page.text
    assert [m.username for m in context_of(page)["mediators"]] == ["mediator"]
    token = csrf_of(head, f"/cases/{case.id}")
    r = head.post(
        f"/cases/{case.id}/assign",
        data={"csrf_token": token, "mediator": "mediator", "version": str(case.version)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "已指派给 mediator" in head.get(r.headers["location"]).text
    r = head.post(
        f"/cases/{case.id}/assign", data={"csrf_token": token, "mediator": "mediator_women"}
    )
    assert r.status_code == 422
    assert case.id in _mine(login_as("mediator"))


def test_a_mediator_claims_from_the_queue(login_as: LoginAs, ctx: Casework) -> None:
    case = _union_case(ctx)
    client = login_as("mediator")
    queue = client.get("/workroom?view=org")
    assert f'action="/cases/{case.id}/claim"' in queue.text
    token = csrf_of(client, "/workroom?view=org")
    r = client.post(
        f"/cases/{case.id}/claim",
        data={"csrf_token": token, "version": str(case.version), "from": "queue"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/workroom?view=mine&claimed={case.id}"
    assert case.id in _mine(client)
