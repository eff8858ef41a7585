"""The workroom queue: mine, my organisation, overdue, due soon."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.casework.context import Casework
from engine.clock import ManualClock
from engine.store import queries
from tests.pages.conftest import LoginAs, context_of, template_of


def queue_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert template_of(response) == "workroom/queue.html"
    return context_of(response)


def test_mine_lists_the_open_cases_assigned_to_me(login_as: LoginAs, ctx: Casework) -> None:
    page = queue_of(login_as("mediator").get("/workroom"))
    assert page["view"] == "mine"
    assert page["cases"]
    for card in page["cases"]:
        case = ctx.service.get_case(card.id)
        assert case.data.get("mediator") == "mediator" and case.closed_at is None
    assert {t.view: t.count for t in page["tabs"]}["mine"] == page["total"]


def test_my_organisation_lists_only_its_cases(login_as: LoginAs, ctx: Casework) -> None:
    page = queue_of(login_as("mediator").get("/workroom?view=org"))
    owned = [c for c in page["cases"] if ctx.service.get_case(c.id).org_unit == "union"]
    assert owned and all(c.unit == "区总工会" for c in owned)
    # The others are the union's by a hand-over, a task or as a co-handler (a joint meeting
    # it attends).
    with ctx.store.transaction(write=False) as tx:
        for c in page["cases"]:
            if c not in owned:
                co_handlers = ctx.service.get_case(c.id).data.get("co_handlers", [])
                assert "union" in [*queries.handed_units(tx, c.id), *co_handlers]


def test_overdue_appears_when_the_clock_passes_the_deadlines(
    login_as: LoginAs, clock: ManualClock
) -> None:
    assert queue_of(login_as("mediator").get("/workroom?view=overdue"))["cases"] == []
    clock.advance(timedelta(days=45))
    # Sessions last 12 hours: log in again after the jump.
    page = queue_of(login_as("mediator").get("/workroom?view=overdue"))
    assert page["cases"]
    assert all(c.overdue for c in page["cases"])
    assert all(c.due is None or c.due.status == "overdue" for c in page["cases"])


def test_due_soon_holds_deadlines_within_a_day(login_as: LoginAs) -> None:
    page = queue_of(login_as("mediator").get("/workroom?view=due_soon"))
    assert page["cases"]
    for card in page["cases"]:
        assert card.due is not None and card.due.status == "soon"
        assert card.due.css == "due-soon"


def test_text_and_workflow_filters(login_as: LoginAs) -> None:
    client = login_as("mediator")
    page = context_of(client.get("/workroom?view=org&workflow=mediation&q=婆媳"))
    assert page["workflow"] == "mediation" and page["q"] == "婆媳"
    assert page["cases"] and all(c.workflow == "mediation" for c in page["cases"])
    unknown = context_of(client.get("/workroom?view=nonsense&workflow=nope"))
    assert unknown["view"] == "mine" and unknown["workflow"] == ""


def test_a_street_handler_sees_the_case_escalated_to_the_street(
    login_as: LoginAs, demo_cases: dict[str, int]
) -> None:
    page = queue_of(login_as("street_handler").get("/workroom?view=org"))
    ids = {c.id for c in page["cases"]}
    assert demo_cases["grid:escalated_to_street"] in ids
    assert demo_cases["grid:community_call"] not in ids
    escalated = next(c for c in page["cases"] if c.id == demo_cases["grid:escalated_to_street"])
    assert escalated.tier.startswith("2")


def test_queue_in_english(login_as: LoginAs, ctx: Casework) -> None:
    page = queue_of(login_as("mediator").get("/workroom?view=org&lang=en"))
    assert page["lang"] == "en"
    assert page["t"]("queue.title") == "Mediation workroom"
    titles = {d.title.en for d in ctx.registry.all_latest()}
    assert {c.workflow_title for c in page["cases"]} <= titles
