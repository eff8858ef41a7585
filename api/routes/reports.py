"""Grid reports: a grid member's compact intake that opens a grid case and calls the community."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from api import casework
from api.auth import CurrentUser
from api.deps import ContextDep
from api.presenters import fire_out
from api.problems import ProblemError, field_errors, problem_responses
from api.schemas.cases import FireOut
from api.schemas.reports import GridReportIn
from engine.errors import InvalidDataError, RoleNotAllowedError
from engine.store.parties import add_party

ERRORS = problem_responses(401, 403, 404, 409, 422)

router = APIRouter(tags=["grid reports"])

GRID_WORKFLOW = "grid_escalation"


@router.post("/grid-reports", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def grid_report(
    body: GridReportIn,
    user: CurrentUser,
    ctx: ContextDep,
    response: Response,
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=100, description="Retry-safe submission"),
    ] = None,
) -> FireOut:
    """Open a grid case in your grid unit and call the community (or close it at once when
    it was fixed on the spot)."""
    definition = ctx.registry.latest(GRID_WORKFLOW)
    action = "fix_on_spot" if body.fixed_on_spot else "report"
    step = definition.transition(definition.initial, action)
    if step is None or user.role not in step.roles:
        raise RoleNotAllowedError(action, user.role, list(step.roles) if step else [])
    data = {
        "grid_unit": body.grid_unit,
        "category": body.category,
        "severity": body.severity,
        "location": body.location,
        "description": body.description,
        "photos": list(body.photos),
    }
    try:
        opened = casework.open_case(
            ctx,
            user,
            GRID_WORKFLOW,
            data,
            grid_unit=body.grid_unit,
            idempotency_key=f"{key}:open" if key else None,
        )
    except InvalidDataError as exc:
        raise ProblemError(
            422,
            "invalid-data",
            "Some values do not fit the grid workflow",
            str(exc),
            errors=field_errors([(f"#/{k}", v) for k, v in exc.errors.items()]),
        ) from exc
    case = opened.case
    if body.reporter is not None and not opened.replayed:
        add_party(
            ctx.store, ctx.sealer, case_id=case.id, at=ctx.clock.now(), **body.reporter.model_dump()
        )
    # A retry replays both steps by their keys; a first attempt cut off after opening
    # completes the report now.
    result = casework.fire(
        ctx,
        user,
        case.id,
        action,
        {},
        expected_version=case.version,
        idempotency_key=f"{key}:{action}" if key else None,
    )
    definition = ctx.service.definition_of(result.case)
    response.headers["Location"] = f"/api/cases/{result.case.id}"
    return fire_out(result, definition, response)
