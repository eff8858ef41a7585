"""Grid reports: a grid member's compact intake that opens a grid case and calls the community."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import fire_out
from api.problems import ProblemError, field_errors, problem_responses
from api.schemas.cases import FireOut
from api.schemas.reports import GridReportIn
from engine.casework import grid_reports
from engine.casework.grid_reports import GridReport
from engine.casework.parties import NewParty
from engine.errors import InvalidDataError

ERRORS = problem_responses(401, 403, 404, 409, 422)

router = APIRouter(tags=["grid reports"], route_class=BoundedJsonRoute)


@router.post("/grid-reports", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def grid_report(
    body: GridReportIn,
    user: CurrentUser,
    ctx: ContextDep,
    response: Response,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=100,
            description="Retry-safe submission",
        ),
    ] = None,
) -> FireOut:
    """Open a grid case in your grid unit and call the community (or close it at once when
    it was fixed on the spot)."""
    report = GridReport(
        grid_unit=body.grid_unit,
        category=body.category,
        severity=body.severity,
        location=body.location,
        description=body.description,
        photos=list(body.photos),
        fixed_on_spot=body.fixed_on_spot,
        reporter=NewParty(**body.reporter.model_dump()) if body.reporter else None,
        place=body.point.pair() if body.point else None,
    )
    try:
        result = grid_reports.report(ctx, user, report, idempotency_key=key)
    except InvalidDataError as exc:
        raise ProblemError(
            422,
            "invalid-data",
            "Some values do not fit the grid workflow",
            str(exc),
            errors=field_errors([(f"#/{k}", v) for k, v in exc.errors.items()]),
        ) from exc
    definition = ctx.service.definition_of(result.case)
    response.headers["Location"] = f"/api/cases/{result.case.id}"
    return fire_out(result, definition, response)
