"""Migration runs: plan a move of running cases to another version, preview it case by case,
apply it (engine.casework.migration)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.migrations import (
    ApplyIn,
    ApplyOut,
    CasePreviewOut,
    CasePreviewPage,
    PlanIn,
    RunOut,
)
from engine.casework import migration
from engine.casework.migration import CasePreview, MigrationRun, PlanRequest

router = APIRouter(tags=["migrations"], route_class=BoundedJsonRoute)

RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = problem_responses(401, 403, 404, 422)


def run_out(r: MigrationRun) -> RunOut:
    return RunOut(
        **{
            **asdict(r),
            "state_map": dict(r.state_map),
            "states": list(r.states),
            "case_ids": list(r.case_ids),
        }
    )


def preview_out(p: CasePreview) -> CasePreviewOut:
    return CasePreviewOut.model_validate(asdict(p))


@router.post("/migrations", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def plan(body: PlanIn, user: CurrentUser, ctx: ContextDep, response: Response) -> RunOut:
    """Plan moving running cases of a workflow from one version to another (nothing moves
    yet); 422 lists every problem of the plan."""
    r = migration.plan(
        ctx,
        user,
        PlanRequest(
            workflow=body.workflow,
            from_version=body.from_version,
            to_version=body.to_version,
            reason=body.reason,
            state_map=body.state_map,
            states=tuple(body.states),
            case_ids=tuple(body.case_ids),
        ),
    )
    response.headers["Location"] = f"/api/migrations/{r.id}"
    return run_out(r)


@router.get("/migrations", responses=ERRORS)
def list_runs(
    user: CurrentUser,
    ctx: ContextDep,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
) -> list[RunOut]:
    """The migration runs, newest first."""
    return [run_out(r) for r in migration.runs(ctx, user, workflow)]


@router.get("/migrations/{run_id}", responses=ERRORS)
def get_run(run_id: RunId, user: CurrentUser, ctx: ContextDep) -> RunOut:
    return run_out(migration.run(ctx, user, run_id))


@router.post("/migrations/{run_id}/preview", responses=ERRORS)
def preview(run_id: RunId, user: CurrentUser, ctx: ContextDep) -> RunOut:
    """Check every case of the run and store the verdicts (again, replacing the last ones)."""
    return run_out(migration.preview(ctx, user, run_id))


@router.get("/migrations/{run_id}/cases", responses=ERRORS)
def preview_cases(
    run_id: RunId,
    user: CurrentUser,
    ctx: ContextDep,
    state: Annotated[str | None, Query(max_length=64)] = None,
    movable: Annotated[bool | None, Query()] = None,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Last case id seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CasePreviewPage:
    """A page of the run's cases by case id: each one's verdict and deadlines."""
    items = migration.preview_cases(
        ctx, user, run_id, state=state, movable=movable, after_case_id=after, limit=limit
    )
    next_after = items[-1].case_id if len(items) == limit else None
    return CasePreviewPage(items=[preview_out(p) for p in items], next_after=next_after)


@router.post("/migrations/{run_id}/apply", responses=ERRORS)
def apply(run_id: RunId, body: ApplyIn, user: CurrentUser, ctx: ContextDep) -> ApplyOut:
    """Move the cases the preview accepted (`{"confirm": true}`); applying again continues
    with what is left and moves no case twice."""
    report = migration.apply(ctx, user, run_id, confirm=body.confirm)
    return ApplyOut(
        run=run_out(report.run),
        moved=report.moved,
        already_moved=report.already_moved,
        refused=report.refused,
        failed=report.failed,
        seconds=report.seconds,
    )
