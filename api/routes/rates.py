"""Rates by organisation, grid unit, category and period; reviewed exclusions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep, UnitsDep
from api.json_body import BoundedJsonRoute
from api.problems import ProblemError, not_found, problem_responses
from api.schemas.rates import ExclusionIn, ExclusionOut, RateGroup, RatesOut
from engine.casework.exclusions import exclude_case, exclusions, include_case
from engine.casework.rates import RateFilter, Tally, compute_rates, ratio

router = APIRouter(tags=["rates"], route_class=BoundedJsonRoute)

ERRORS = problem_responses(401, 403, 404, 422)


def _group(key: str, label: str, t: Tally) -> RateGroup:
    hours = t.close_hours
    return RateGroup(
        key=key,
        label=label,
        cases=t.cases,
        excluded=t.excluded,
        response_rate=ratio(t.responded_in_time, t.cases),
        resolution_rate=ratio(t.resolved, t.cases),
        satisfaction_rate=ratio(t.satisfied, t.rated),
        on_time_rate=ratio(t.closed_on_time, t.closed),
        mediation_success_rate=ratio(t.agreements, t.mediated),
        avg_close_hours=round(sum(hours) / len(hours), 2) if hours else None,
        responded_in_time=t.responded_in_time,
        resolved=t.resolved,
        rated=t.rated,
        satisfied=t.satisfied,
        closed=t.closed,
        closed_on_time=t.closed_on_time,
        mediated=t.mediated,
        agreements=t.agreements,
    )


@router.get("/rates", responses=problem_responses(401, 403, 404, 422))
def rates(
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    group_by: Annotated[
        Literal["none", "organisation", "grid", "category", "period", "workflow"], Query()
    ] = "none",
    period: Annotated[Literal["day", "week", "month", "quarter", "year"], Query()] = "month",
    start: Annotated[datetime | None, Query(alias="from", description="Opened on or after")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Opened before")] = None,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    org: Annotated[str | None, Query(max_length=64)] = None,
    grid: Annotated[str | None, Query(max_length=64)] = None,
) -> RatesOut:
    """响应率, 解决率, 满意率, on-time rate, mediation success rate and average time to close
    over the cases you may see that were opened in [from, to)."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise ProblemError(
                422, "validation", "Invalid request", f"{name} needs a time zone, e.g. +08:00"
            )
    groups, total = compute_rates(
        ctx,
        user,
        RateFilter(start=start, end=end, workflow=workflow, org_unit=org, grid_unit=grid),
        group_by,
        period,
    )
    lang = user.lang

    def label(key: str) -> str:
        if group_by in ("organisation", "grid"):
            return tree.label(key, lang)
        return key

    return RatesOut(
        group_by=group_by,
        period=period,
        start=start,
        end=end,
        groups=[_group(k, label(k), t) for k, t in groups.items()],
        total=_group("all", "all", total),
    )


@router.get("/rates/exclusions", responses=ERRORS)
def list_exclusions(user: CurrentUser, ctx: ContextDep) -> list[ExclusionOut]:
    """Cases excluded from the rates, with the reviewer's reason."""
    return [
        ExclusionOut(case_id=e.case_id, reason=e.reason, reviewer=e.reviewer, at=e.at)
        for e in exclusions(ctx, user)
    ]


@router.post(
    "/rates/exclusions",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ExclusionOut, "description": "Excluded already: the first review"},
        **ERRORS,
    },
)
def exclude(
    body: ExclusionIn, user: CurrentUser, ctx: ContextDep, response: Response
) -> ExclusionOut:
    """Exclude an unreasonable or out-of-scope request from the rates, with a reason.
    Excluding a case again answers 200 with the first review."""
    done = exclude_case(ctx, user, body.case_id, body.reason)
    if not done.created:
        response.status_code = status.HTTP_200_OK
    e = done.exclusion
    return ExclusionOut(case_id=e.case_id, reason=e.reason, reviewer=e.reviewer, at=e.at)


@router.delete(
    "/rates/exclusions/{case_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
def include_again(
    case_id: Annotated[int, Path(ge=1, le=2**62)], user: CurrentUser, ctx: ContextDep
) -> Response:
    """Count an excluded case in the rates again."""
    if not include_case(ctx, user, case_id):
        raise not_found("exclusion")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
