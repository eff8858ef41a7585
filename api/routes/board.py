"""The overdue board and urging (催办)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import label
from api.problems import problem_responses
from api.schemas.board import BoardItemOut, BoardOut, MissedDeadlineOut, UrgeIn, UrgeOut
from engine.casework.access import MAX_KEY_LENGTH
from engine.casework.board import PAGE_MAX, BoardItem, BoardQuery, overdue_board
from engine.casework.urging import urge

ERRORS = problem_responses(401, 403, 404, 409, 422)

router = APIRouter(tags=["cases"], route_class=BoundedJsonRoute)


@router.get("/board", responses=ERRORS)
def board(
    user: CurrentUser,
    ctx: ContextDep,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[
        str | None, Query(max_length=64, description="A unit and every unit under it")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> BoardOut:
    """The overdue board: open cases overdue or escalated, most urgent first (overdue first,
    then the higher tier, then overdue longest), one page at a time."""
    found = overdue_board(ctx, user, BoardQuery(workflow, unit, limit, offset))
    return BoardOut(
        items=[_item(i) for i in found.items], total=found.total, limit=limit, offset=offset
    )


def _item(i: BoardItem) -> BoardItemOut:
    missed = i.missed
    return BoardItemOut(
        case_id=i.case.id,
        workflow=i.case.workflow,
        state=i.case.state,
        overdue=i.overdue,
        overdue_s=i.late.seconds if i.late else None,
        working_time=bool(i.late and i.late.working),
        missed_deadline=MissedDeadlineOut(
            name=missed.name,
            label=label(missed.label) if missed.label else None,
            due_at=missed.due_at,
        )
        if missed
        else None,
        next_deadline=i.next_deadline,
        unit=i.unit,
        person=i.person,
        tier=i.tier,
        urges=i.urges,
        last_urged_at=i.last_urged_at,
    )


@router.post("/cases/urge", responses=ERRORS)
def urge_cases(
    body: UrgeIn,
    user: CurrentUser,
    ctx: ContextDep,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="A retry with the same key is applied once",
        ),
    ] = None,
) -> UrgeOut:
    """催办: urge the units responsible for the cases to act. Each case gets an entry in its
    history (with the note) and its responsible unit a notification; a case you do not see
    answers 404 and nothing is recorded."""
    done = urge(ctx, user, body.case_ids, body.note, key)
    return UrgeOut(case_ids=list(done.case_ids), at=done.at, replayed=done.replayed)
