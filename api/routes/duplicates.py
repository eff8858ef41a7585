"""Duplicate suggestions before a case is opened, and merging or splitting a duplicate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.duplicates import (
    DuplicateProbeIn,
    MergedOut,
    MergeIn,
    SplitIn,
    SuggestionOut,
    SuggestionsOut,
)
from engine.casework import merging
from engine.casework.duplicates import Probe, Suggestion, category_of, suggest, suggest_for_case
from engine.duplicates import (
    DEFAULT_RADIUS_M,
    DEFAULT_WINDOW_DAYS,
    MAX_RADIUS_M,
    MAX_WINDOW_DAYS,
    Rules,
)
from engine.model import Case

ERRORS = problem_responses(401, 403, 404, 409, 422)
CaseId = Annotated[int, Path(ge=1, le=2**62, description="Case id")]

router = APIRouter(tags=["cases"], route_class=BoundedJsonRoute)


@router.post("/cases/duplicates", responses=ERRORS)
def duplicates(body: DuplicateProbeIn, user: CurrentUser, ctx: ContextDep) -> SuggestionsOut:
    """Open cases a new one may repeat, among those you see: of the same category within
    `radius_m` (where a point is given), with very similar text, or with the same caller;
    opened within `window_days`. The likeliest first, ten at most."""
    probe = Probe(
        workflow=body.workflow,
        category=body.category,
        description=body.description,
        lat=body.point.lat if body.point else None,
        lng=body.point.lng if body.point else None,
        phone=body.phone,
    )
    found = suggest(ctx, user, probe, Rules(body.radius_m, body.window_days))
    return SuggestionsOut(items=[_out(s) for s in found])


@router.get("/cases/{case_id}/duplicates", responses=ERRORS)
def case_duplicates(
    case_id: CaseId,
    user: CurrentUser,
    ctx: ContextDep,
    radius_m: Annotated[int, Query(ge=1, le=MAX_RADIUS_M)] = DEFAULT_RADIUS_M,
    window_days: Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS)] = DEFAULT_WINDOW_DAYS,
) -> SuggestionsOut:
    """Open cases this open case may repeat (none for a closed case)."""
    found = suggest_for_case(ctx, user, case_id, Rules(radius_m, window_days))
    return SuggestionsOut(items=[_out(s) for s in found])


@router.post("/cases/{case_id}/merge", responses=ERRORS)
def merge(case_id: CaseId, body: MergeIn, user: CurrentUser, ctx: ContextDep) -> MergedOut:
    """Merge this case into the case it repeats (`into`): it is closed as merged, both
    histories keep an entry, its reporter is told, and the rates count the matter once."""
    return _merged(merging.merge(ctx, user, case_id, body.into, body.note))


@router.post("/cases/{case_id}/split", responses=ERRORS)
def split(case_id: CaseId, body: SplitIn, user: CurrentUser, ctx: ContextDep) -> MergedOut:
    """Split a merged case back out: open again in the state it had."""
    return _merged(merging.split(ctx, user, case_id, body.note))


def _merged(case: Case) -> MergedOut:
    return MergedOut(
        case_id=case.id,
        version=case.version,
        closed=case.closed_at is not None,
        merged_into=merging.merged_into(case),
    )


def _out(s: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        case_id=s.case.id,
        workflow=s.case.workflow,
        state=s.case.state,
        category=category_of(s.case.data),
        opened_at=s.case.opened_at,
        distance_m=round(s.distance_m, 1) if s.distance_m is not None else None,
        text_score=round(s.text_score, 3) if s.text_score is not None else None,
        same_caller=s.same_caller,
    )
