"""Workflow definitions: list, read, validate and review a draft, publish a version with a
reason, the versions' history and differences, diagrams (marked with what changed), timer
changes without YAML."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.presenters import field_out, label
from api.problems import problem_responses
from api.schemas.definitions import (
    ChangeOut,
    DefinitionOut,
    DefinitionSummary,
    DiagramOut,
    DiffOut,
    ProblemLine,
    PublishIn,
    PublishOut,
    ReviewOut,
    SourceIn,
    StateOut,
    TierOut,
    TimerDraftIn,
    TimerOut,
    TransitionOut,
    ValidationOut,
    VersionOut,
)
from engine.casework import publishing
from engine.casework.context import Casework
from engine.definition import Definition, TimerDef
from engine.definition_diff import Change, DefinitionDiff
from engine.diagram import mermaid
from engine.errors import Problem

router = APIRouter(tags=["definitions"], route_class=BoundedJsonRoute)

Name = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="Default: latest")]
Lang = Annotated[Literal["zh", "en"], Query()]
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


def _timer(t: TimerDef) -> TimerOut:
    return TimerOut(
        name=t.name,
        after=_after(t),
        at_field=t.at_field,
        action=t.action,
        remind_at=t.remind_at,
        notify=list(t.notify),
        working_days_only=t.working_days_only,
        every=str(t.every) if t.every is not None else None,
        from_field=t.from_field,
        until=t.until_field,
        count=t.count,
        until_state=list(t.until_state),
    )


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
                timers=[_timer(t) for t in s.timers],
            )
            for s in d.states.values()
        ],
        timers=[_timer(t) for t in d.timers],
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
    lang: Lang = "zh",
    compare_to: Annotated[
        int | None,
        Query(
            ge=1,
            le=1_000_000,
            description="Mark what changed since this version: added (＋, green) and changed"
            " (✎, yellow) states, arrows and timers; removed states and arrows as dashed ghosts"
            " (－)",
        ),
    ] = None,
) -> DiagramOut:
    """The workflow as a Mermaid state diagram, marked with the changes since `compare_to`."""
    d = ctx.registry.get(name, version)
    marks = None
    if compare_to is not None:
        marks = publishing.compare(ctx, user, name, compare_to, d.version).marks
    return DiagramOut(
        name=d.name,
        version=d.version,
        lang=lang,
        compare_to=compare_to,
        mermaid=mermaid(d, lang, marks),
    )


@router.get("/definitions/{name}/history", responses=ERRORS)
def history(name: Name, user: CurrentUser, ctx: ContextDep) -> list[VersionOut]:
    """Every published version, newest first: who published it, when, why, and what changed
    from the version before."""
    return [
        VersionOut(
            version=r.version,
            published_at=r.published_at,
            published_by=r.published_by,
            reason=r.reason,
            changes=_changes(r.diff.changes),
        )
        for r in publishing.history(ctx, user, name)
    ]


@router.get("/definitions/{name}/diff", responses=ERRORS)
def version_diff(
    name: Name,
    user: CurrentUser,
    ctx: ContextDep,
    from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000, description="Old version")],
    to: Annotated[int, Query(ge=1, le=1_000_000, description="New version")],
) -> DiffOut:
    """What changed from version `from` to version `to`, worded in Chinese and English."""
    return _diff_out(publishing.compare(ctx, user, name, from_, to))


@router.post("/definitions/review", responses=ERRORS)
def review(body: SourceIn, user: CurrentUser, ctx: ContextDep) -> ReviewOut:
    """Review a draft before publishing it (nothing is stored): its problems, or the latest
    version it is based on, what changes, the version it would become and the open cases per
    version of the workflow."""
    return _review_out(publishing.review(ctx, user, body.source))


@router.post("/definitions/{name}/timers/{state}/{timer}/draft", responses=ERRORS)
def draft_timer_change(
    name: Name, state: Name, timer: Name, body: TimerDraftIn, user: CurrentUser, ctx: ContextDep
) -> ReviewOut:
    """A draft of the latest version with one timer's period, reminder or notified roles
    changed (the rest of the YAML byte for byte as it was), reviewed; publish its `source`
    with `based_on` to apply it. Nothing is stored."""
    result = publishing.draft_timer_change(
        ctx,
        user,
        name,
        state,
        timer,
        after=body.after,
        remind_at=body.remind_at,
        notify=tuple(body.notify) if body.notify is not None else None,
    )
    return _review_out(result)


def _changes(changes: tuple[Change, ...]) -> list[ChangeOut]:
    return [
        ChangeOut(kind=c.kind, op=c.op, name=c.name, state=c.state, zh=c.zh, en=c.en)
        for c in changes
    ]


def _diff_out(d: DefinitionDiff) -> DiffOut:
    return DiffOut(
        name=d.name,
        from_version=d.old_version,
        to_version=d.new_version,
        changes=_changes(d.changes),
    )


def _problems(problems: list[Problem]) -> list[ProblemLine]:
    return [
        ProblemLine(line=p.line, col=p.col, key=p.key, message=p.message, hint=p.hint)
        for p in problems
    ]


def _review_out(r: publishing.Review) -> ReviewOut:
    return ReviewOut(
        ok=r.definition is not None,
        name=r.definition.name if r.definition is not None else None,
        base_version=r.base.version if r.base is not None else None,
        based_on=r.based_on,
        next_version=r.next_version,
        unchanged=r.unchanged,
        changes=_changes(r.diff.changes) if r.diff is not None else [],
        open_cases={str(v): n for v, n in r.open_cases.items()},
        problems=_problems(r.problems),
        source=r.source,
    )


@router.post("/definitions/validate", responses=ERRORS)
def validate(body: SourceIn, user: CurrentUser) -> ValidationOut:
    """Check a draft; every problem names its line and column (nothing is stored)."""
    result = publishing.check_draft(user, body.source)
    d = result.definition
    return ValidationOut(
        ok=d is not None,
        name=d.name if d else None,
        version=d.version if d else None,
        problems=_problems(result.problems),
    )


@router.post(
    "/definitions",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": PublishOut, "description": "Unchanged: the latest version"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
def publish(body: PublishIn, user: CurrentUser, ctx: ContextDep, response: Response) -> PublishOut:
    """Publish a reviewed draft as a new version (latest + 1) with the reason, kept with the
    version and in the audit log. `based_on` is the latest version the draft was reviewed
    against (`POST /api/definitions/review`); if another version was published since, 409
    and nothing is published. Unchanged content answers 200 with the latest version. Errors
    in the draft answer 422 with line and column."""
    result = publishing.publish(ctx, user, body.source, reason=body.reason, based_on=body.based_on)
    d = result.definition
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/definitions/{d.name}?version={d.version}"
    return PublishOut(
        name=d.name, version=d.version, created=result.created, content_hash=d.content_hash
    )
