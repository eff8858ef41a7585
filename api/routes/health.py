"""The health check: is every deadline firing? For load balancers and monitoring, no login.

It also lists the shipped definition files this process left out when it started (a file
that does not load, or clashes with a published version): status "warning", still 200, since
every other workflow and every published version is served.

Answers 503 (a problem document) while a timer's firing is failing (retrying, or given up on
a case still waiting in its state) or when the oldest due timer is later than a few sweeps
(the sweeper is not running, or cannot keep up). The first failure of a timer turns it, in
the sweep that fails it (engine.sweep). The body carries the counts, never a case's details.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import PROBLEM_JSON, PROBLEM_REF, problem
from engine.casework.health import timers_health
from engine.casework.shipped import definition_problems

router = APIRouter(tags=["health"], route_class=BoundedJsonRoute)


class TimersHealthOut(BaseModel):
    retrying: int = Field(description="Timers whose firing failed and will be tried again.")
    failed: int = Field(
        description="Timers given up after their last attempt, on cases still in that state."
    )
    oldest_due_s: float = Field(
        description="Seconds since the oldest pending timer fell due (0: none is due)."
    )
    late_after_s: float = Field(description="How late the oldest may be before this fails.")


class DefinitionProblemOut(BaseModel):
    file: str = Field(description="The shipped definition file left out.")
    line: int = Field(description="Line of the problem (the `version:` line for a version).")
    col: int
    key: str = Field(description="The definition's key the problem is about, if any.")
    message: str = Field(description="What is wrong.")
    hint: str = Field(description='What to do, e.g. "raise `version` to 3".')


class HealthOut(BaseModel):
    status: str = Field(
        description='"ok"; "warning" when shipped definition files were left out at start'
    )
    timers: TimersHealthOut
    definitions: list[DefinitionProblemOut] = Field(
        description="Problems of the shipped definition files left out when this process"
        " started; empty when every file was used."
    )


@router.get(
    "/health",
    response_model=HealthOut,
    responses={
        503: {
            "description": "A deadline is stuck: a problem document with the same `timers`",
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
        }
    },
)
def health(ctx: ContextDep) -> HealthOut | JSONResponse:
    """Whether every deadline fires: 200, or 503 when one is failing or the sweeper is late."""
    found = timers_health(ctx)
    timers = TimersHealthOut(
        retrying=found.retrying,
        failed=found.failed,
        oldest_due_s=found.oldest_due_s,
        late_after_s=found.late_after_s,
    )
    definitions = [
        DefinitionProblemOut(
            file=p.file, line=p.line, col=p.col, key=p.key, message=p.message, hint=p.hint
        )
        for p in definition_problems(ctx)
    ]
    if found.troubles:
        return problem(
            503,
            "timers-stuck",
            "Deadlines are not firing",
            "; ".join(found.troubles),
            timers=timers.model_dump(),
            definitions=[d.model_dump() for d in definitions],
        )
    return HealthOut(
        status="warning" if definitions else "ok", timers=timers, definitions=definitions
    )
