"""Rates over any range, by organisation, community, street, grid unit, category and period,
ranked; the monthly trend; reviewed exclusions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep, UnitsDep
from api.json_body import BoundedJsonRoute
from api.problems import ProblemError, not_found, problem_responses
from api.schemas.rates import ExclusionIn, ExclusionOut, RateGroup, RatesOut
from engine.casework.exclusions import exclude_case, exclusions, include_case
from engine.casework.rates import (
    NO_UNIT,
    TREND_MONTHS,
    RateQuery,
    RateTable,
    Tally,
    compute_rates,
    ranked,
    rate_trend,
)
from engine.units import UnitTree

router = APIRouter(tags=["rates"], route_class=BoundedJsonRoute)

ERRORS = problem_responses(401, 403, 404, 422)


GroupBy = Literal[
    "none", "organisation", "community", "street", "grid", "category", "workflow", "period"
]
Period = Literal["day", "week", "month", "quarter", "year"]
RankBy = Literal["response", "resolution", "satisfaction", "on_time", "success"]


def _group(key: str, label: str, t: Tally, rank: int | None = None) -> RateGroup:
    return RateGroup(
        key=key,
        label=label,
        rank=rank,
        cases=t.cases,
        excluded=t.excluded,
        response_rate=t.rate("response"),
        resolution_rate=t.rate("resolution"),
        satisfaction_rate=t.rate("satisfaction"),
        on_time_rate=t.rate("on_time"),
        mediation_success_rate=t.rate("success"),
        avg_close_hours=t.avg_close_hours,
        awaiting_response=t.awaiting_response,
        responded_in_time=t.responded_in_time,
        resolved=t.resolved,
        rated=t.rated,
        satisfied=t.satisfied,
        closed=t.closed,
        closed_on_time=t.closed_on_time,
        mediated=t.mediated,
        agreements=t.agreements,
        urged=t.urged,
    )


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # the periods around a moment stay within
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # datetime's range: moments are clamped to these


def moment(name: str, value: datetime | None) -> datetime | None:
    """A moment with a time zone (422 without one), clamped to [EARLIEST, LATEST]."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ProblemError(
            422, "validation", "Invalid request", f"{name} needs a time zone, e.g. +08:00"
        )
    return min(max(value, EARLIEST), LATEST)


def _out(
    table: RateTable,
    q: RateQuery,
    tree: UnitTree,
    lang: str,
    rank_by: str | None,
) -> RatesOut:
    def label(key: str) -> str:
        if q.group_by in ("organisation", "community", "street", "grid") and key != NO_UNIT:
            return tree.label(key, lang)
        return key

    if rank_by is not None and q.group_by != "period":
        groups = [_group(k, label(k), t, n) for n, k, t in ranked(table.groups, rank_by)]
    else:
        groups = [_group(k, label(k), t) for k, t in table.groups.items()]
    return RatesOut(
        group_by=q.group_by,
        period=q.period,
        start=q.start,
        end=q.end,
        rank_by=rank_by,
        own_area=table.own_area,
        groups=groups,
        total=_group("all", "all", table.total),
    )


From = Annotated[
    datetime | None, Query(alias="from", description="Opened on or after (with a time zone)")
]
To = Annotated[datetime | None, Query(alias="to", description="Opened before (with a time zone)")]
Unit = Annotated[str | None, Query(max_length=64)]


@router.get("/rates", responses=ERRORS)
def rates(
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    start: From = None,
    end: To = None,
    group_by: Annotated[GroupBy, Query()] = "none",
    period: Annotated[Period, Query(description="The periods of group_by=period")] = "month",
    rank_by: Annotated[
        RankBy | None, Query(description="Order the groups by this rate, best first, ranked")
    ] = None,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    org: Unit = None,
    grid: Unit = None,
) -> RatesOut:
    """响应率, 解决率, 满意率, on-time rate, mediation success rate and average time to close
    over the cases you may see that were opened in [from, to), with the counts behind each
    rate; broken down by organisation, community, street, grid unit, category, workflow or
    period, and ranked. A user of a community sees the community's own figures only.
    The definitions: docs/RATES.md."""
    start, end = moment("from", start), moment("to", end)
    q = RateQuery(start, end, workflow, org, grid, group_by, period)
    return _out(compute_rates(ctx, user, tree, q), q, tree, user.lang, rank_by)


@router.get("/rates/trend", responses=ERRORS)
def trend(
    user: CurrentUser,
    ctx: ContextDep,
    tree: UnitsDep,
    end: Annotated[
        datetime | None,
        Query(alias="to", description="The trend ends with the month holding this moment"),
    ] = None,
    months: Annotated[int, Query(ge=1, le=60)] = TREND_MONTHS,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    org: Unit = None,
    grid: Unit = None,
) -> RatesOut:
    """The monthly rates of the last `months` months (12 by default) up to the month holding
    `to` (or now), one group per month, months without cases included."""
    end = moment("to", end)
    q = RateQuery(None, end, workflow, org, grid, "period", "month")
    table = rate_trend(ctx, user, tree, q, months)
    return _out(table, q, tree, user.lang, None)


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
