"""Workflow definitions: list, read, validate a draft, publish a version, diagram."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import field_out, label
from api.problems import problem_responses
from api.schemas.definitions import (
    DefinitionOut,
    DefinitionSummary,
    DiagramOut,
    ProblemLine,
    PublishOut,
    SourceIn,
    StateOut,
    TierOut,
    TimerOut,
    TransitionOut,
    ValidationOut,
)
from engine.casework import publishing
from engine.casework.context import Casework
from engine.definition import Definition, TimerDef
from engine.diagram import mermaid

router = APIRouter(tags=["definitions"], route_class=BoundedJsonRoute)

Name = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="Default: latest")]
ERRORS = problem_responses(401, 403, 404, 422)


def _summary(ctx: Casework, d: Definition) -> DefinitionSummary:
    return DefinitionSummary(
        name=d.name,
        version=d.version,
        versions=[v.version for v in ctx.registry.versions(d.name)],
        title=label(d.title),
        description=label(d.description) if d.description else None,
        content_hash=d.content_hash,
    )


def _after(t: TimerDef) -> str:
    if t.after.duration is not None:
        return str(t.after.duration)
    if t.after.by:
        table = ", ".join(f"{k}: {v}" for k, v in t.after.table.items())
        return f"by {t.after.by} ({table})"
    return f"at {t.at_field}" if t.at_field else ""


@router.get("/definitions", responses=ERRORS)
def list_definitions(user: CurrentUser, ctx: ContextDep) -> list[DefinitionSummary]:
    """Every workflow at its latest version, with the versions published."""
    return [_summary(ctx, d) for d in publishing.latest_definitions(ctx)]


@router.get("/definitions/{name}", responses=ERRORS)
def get_definition(
    name: Name, user: CurrentUser, ctx: ContextDep, version: Version = None
) -> DefinitionOut:
    """A workflow version in full: states, transitions, fields, timers and the YAML source."""
    d = ctx.registry.get(name, version)
    requires = {f for t in d.transitions for f in t.requires}
    return DefinitionOut(
        **_summary(ctx, d).model_dump(),
        initial=d.initial,
        owner_roles=list(d.owner_roles),
        states=[
            StateOut(
                name=s.name,
                label=label(s.label),
                roles=list(s.roles),
                final=s.final,
                timers=[
                    TimerOut(
                        name=t.name,
                        after=_after(t),
                        at_field=t.at_field,
                        action=t.action,
                        remind_at=t.remind_at,
                        notify=list(t.notify),
                        working_days_only=t.working_days_only,
                    )
                    for t in s.timers
                ],
            )
            for s in d.states.values()
        ],
        transitions=[
            TransitionOut(
                action=t.action,
                label=label(t.label),
                sources=list(t.sources),
                dest=t.dest,
                roles=list(t.roles),
                requires=list(t.requires),
                guard=t.guard.source if t.guard is not None else None,
                guard_message=label(t.guard_message) if t.guard_message else None,
                internal=t.internal,
            )
            for t in d.transitions
        ],
        fields=[field_out(f, f.name in requires) for f in d.fields.values()],
        tiers=[TierOut(level=t.level, name=t.name, label=label(t.label)) for t in d.tiers],
        source=d.source,
    )


@router.get("/definitions/{name}/diagram", responses=ERRORS)
def diagram(
    name: Name,
    user: CurrentUser,
    ctx: ContextDep,
    version: Version = None,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> DiagramOut:
    """The workflow as a Mermaid state diagram."""
    d = ctx.registry.get(name, version)
    return DiagramOut(name=d.name, version=d.version, lang=lang, mermaid=mermaid(d, lang))


@router.post("/definitions/validate", responses=ERRORS)
def validate(body: SourceIn, user: CurrentUser) -> ValidationOut:
    """Check a draft; every problem names its line and column (nothing is stored)."""
    result = publishing.check_draft(user, body.source)
    d = result.definition
    return ValidationOut(
        ok=d is not None,
        name=d.name if d else None,
        version=d.version if d else None,
        problems=[
            ProblemLine(line=p.line, col=p.col, key=p.key, message=p.message, hint=p.hint)
            for p in result.problems
        ],
    )


@router.post(
    "/definitions",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PublishOut, "description": "Unchanged: the latest version"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
def publish(body: SourceIn, user: CurrentUser, ctx: ContextDep, response: Response) -> PublishOut:
    """Publish a draft as a new version (latest + 1); unchanged content answers 200 with the
    latest version. Errors answer 422 with line and column."""
    result = publishing.publish(ctx, user, body.source)
    d = result.definition
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/definitions/{d.name}?version={d.version}"
    return PublishOut(
        name=d.name, version=d.version, created=result.created, content_hash=d.content_hash
    )
