"""The health check: is every deadline firing? For load balancers and monitoring, no login.

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
from api.problems import PROBLEM_JSON, PROBLEM_REF, problem
from engine.store.timer_health import timer_health

router = APIRouter(tags=["health"])

# The oldest due timer may be this many sweep intervals late before the check fails: one
# sweep can be running, the next one scheduled, and a catch-up takes a few batches.
LATE_SWEEPS = 4


class TimersHealth(BaseModel):
    retrying: int = Field(description="Timers whose firing failed and will be tried again.")
    failed: int = Field(
        description="Timers given up after their last attempt, on cases still in that state."
    )
    oldest_due_s: float = Field(
        description="Seconds since the oldest pending timer fell due (0: none is due)."
    )
    late_after_s: float = Field(description="How late the oldest may be before this fails.")


class HealthOut(BaseModel):
    status: str = Field(description='"ok"')
    timers: TimersHealth


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
    now = ctx.clock.now()
    found = timer_health(ctx.store, now)
    timers = TimersHealth(
        retrying=found.retrying,
        failed=found.failed,
        oldest_due_s=round(found.oldest_due_s, 1),
        late_after_s=LATE_SWEEPS * ctx.settings.sweep_interval_s,
    )
    troubles = []
    if timers.retrying or timers.failed:
        troubles.append(f"{timers.retrying} timer(s) failing and retried, {timers.failed} given up")
    if timers.oldest_due_s > timers.late_after_s:
        troubles.append(f"the oldest due timer fell due {timers.oldest_due_s:.0f} s ago")
    if troubles:
        return problem(
            503,
            "timers-stuck",
            "Deadlines are not firing",
            "; ".join(troubles),
            timers=timers.model_dump(),
        )
    return HealthOut(status="ok", timers=timers)
