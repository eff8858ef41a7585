"""Migration runs and their previews as the pages show them: labels, local times, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.pages.formatting import Due, due, local
from api.pages.i18n import translate
from api.pages.views import state_label
from engine.casework.migration import CasePreview, Deadline, MigrationRun
from engine.definition import Definition
from engine.errors import UnknownWorkflowError
from engine.registry import Registry


@dataclass(frozen=True, slots=True)
class RunLine:
    """A run in the list, and the head of its own page."""

    id: int
    workflow: str
    workflow_title: str
    from_version: int
    to_version: int
    created_by: str
    created_at: str
    reason: str
    status: str
    status_label: str
    total: int
    movable: int
    refused: int
    moved: int
    failed: int
    previewed_at: str
    applied_at: str


def run_line(registry: Registry, run: MigrationRun, lang: str, tz: str) -> RunLine:
    try:
        title = registry.get(run.workflow, run.to_version).title.get(lang)
    except UnknownWorkflowError:
        title = run.workflow
    return RunLine(
        id=run.id,
        workflow=run.workflow,
        workflow_title=title,
        from_version=run.from_version,
        to_version=run.to_version,
        created_by=run.created_by,
        created_at=local(run.created_at, tz, lang=lang),
        reason=run.reason,
        status=run.status,
        status_label=translate(lang, f"mig.status.{run.status}"),
        total=run.total,
        movable=run.movable,
        refused=run.refused,
        moved=run.moved,
        failed=run.failed,
        previewed_at=local(run.previewed_at, tz, lang=lang),
        applied_at=local(run.applied_at, tz, lang=lang),
    )


@dataclass(frozen=True, slots=True)
class MapLine:
    state: str
    to_state: str


def map_lines(
    source: Definition, target: Definition, run: MigrationRun, lang: str
) -> list[MapLine]:
    return [
        MapLine(state_label(source, old, lang), state_label(target, new, lang))
        for old, new in run.state_map.items()
    ]


@dataclass(frozen=True, slots=True)
class DeadlineView:
    name: str
    due: Due
    overdue: bool


@dataclass(frozen=True, slots=True)
class PreviewRow:
    case_id: int
    state: str
    state_label: str
    to_state_label: str
    movable: bool
    reasons: list[str]
    before: list[DeadlineView]
    after: list[DeadlineView]
    status: str
    status_label: str


def timer_names(definition: Definition, lang: str) -> dict[tuple[str, str], str]:
    """(state, timer) → what the timer is for, as the case page names it."""
    return {
        (t.state, t.name): t.reason.get(lang) if t.reason else t.name
        for t in definition.all_timers()
    }


def _deadlines(
    deadlines: tuple[Deadline, ...],
    names: dict[tuple[str, str], str],
    state: str | None,
    now: datetime,
    lang: str,
    tz: str,
) -> list[DeadlineView]:
    return [
        DeadlineView(
            names.get((state or "", d.timer), d.timer), due(d.due_at, now, lang, tz), d.overdue
        )
        for d in deadlines
    ]


def preview_rows(
    source: Definition,
    target: Definition,
    cases: list[CasePreview],
    now: datetime,
    lang: str,
    tz: str,
) -> list[PreviewRow]:
    before_names = timer_names(source, lang)
    after_names = timer_names(target, lang)
    return [
        PreviewRow(
            case_id=c.case_id,
            state=c.state,
            state_label=state_label(source, c.state, lang),
            to_state_label=state_label(target, c.to_state, lang),
            movable=c.movable,
            reasons=[r.en if lang == "en" else r.zh for r in c.refusals],
            before=_deadlines(c.before, before_names, c.state, now, lang, tz),
            after=_deadlines(c.after, after_names, c.to_state, now, lang, tz),
            status=c.status,
            status_label=translate(lang, f"mig.case.{c.status}"),
        )
        for c in cases
    ]


@dataclass(frozen=True, slots=True)
class Report:
    """What applying did, as the apply answered it (carried in the run page's link)."""

    moved: int
    already_moved: int
    refused: int
    failed: int
    seconds: str
