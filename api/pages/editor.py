"""The definition editor: check a draft as you type (or on submit), dry-run it, review it
(api.pages.review shows the change and publishes it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from api.pages.definitions_pages import refresh
from api.pages.dryrun import DryRun, play
from api.pages.errors import PageRoute
from api.pages.formatting import Due, due
from api.pages.messages import definition_names, engine_text, role_names
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.review import posted_source, render_review, valid_review
from api.pages.views import action_label, state_label
from engine.casework.permissions import Permission
from engine.casework.publishing import Validation, validate
from engine.definition import Definition
from engine.errors import Problem, UnknownWorkflowError

router = APIRouter(route_class=PageRoute)

BUTTONS: tuple[str, ...] = ("validate", "dry_run", "review")

# A script to start from, per shipped workflow: what a supervisor would try first.
EXAMPLES: dict[str, tuple[str, str]] = {
    "grid_escalation": (
        "grid_unit=grid-1\nlocation=东门路口\ncategory=road_facility\nseverity=red\n"
        "description=路灯倒伏",
        "report\n+15 minutes\nsign_for handler handling_unit=street-1\n+1 hours\n"
        'resolve handler resolution="已扶正加固"\nverify_ok grid_member rating=5',
    ),
    "mediation": (
        "category=family\nsource=walk_in\ndescription=房产分配争执\nnotice_given=true",
        "register\nstart_mediation risk_level=low in_scope=true organisation=women mediator=m1 "
        "domestic_violence=false crime_risk=false\nrecord_session session_mode=private\n"
        "+25 days\n+10 days\n",
    ),
}


@dataclass(frozen=True, slots=True)
class ProblemView:
    line: int
    col: int
    key: str
    message: str
    hint: str
    excerpt: str
    caret: str


def problem_views(source: str, problems: list[Problem]) -> list[ProblemView]:
    lines = source.splitlines()
    out = []
    for p in problems:
        excerpt = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
        out.append(
            ProblemView(
                p.line, p.col, p.key, p.message, p.hint, excerpt, " " * max(0, p.col - 1) + "^"
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Labels:
    """State and action labels of the draft, for the dry-run path."""

    definition: Definition
    lang: str

    def state(self, name: str) -> str:
        return state_label(self.definition, name, self.lang) if name else ""

    def action(self, name: str) -> str:
        return action_label(self.definition, name, self.lang) if name else ""


@dataclass(frozen=True, slots=True)
class DryDeadline:
    name: str
    kind: str
    due: Due
    then: str


def dry_context(page: Page, draft: Definition, dry: DryRun) -> dict[str, Any]:
    labels = Labels(draft, page.lang)
    kinds = {"reminder": page.t("case.timer.reminder"), "deadline": page.t("case.timer.deadline")}
    return {
        "labels": labels,
        "tzinfo": ZoneInfo(page.tz),
        "dry_deadlines": [
            DryDeadline(
                t.name,
                kinds.get(t.kind, t.kind),
                due(t.fire_at, dry.ended, page.lang, page.tz),
                labels.action(t.action or ""),
            )
            for t in dry.deadlines
        ],
    }


def summary(page: Page, result: Validation) -> str:
    d = result.definition
    if d is None:
        return page.t("editor.problems", n=len(result.problems))
    return page.t(
        "editor.ok",
        name=d.title.get(page.lang),
        version=d.version,
        states=len(d.states),
        transitions=len(d.transitions),
    )


def render_editor(
    page: Page,
    name: str,
    source: str,
    *,
    checked: Validation | None = None,
    steps: str | None = None,
    opening: str | None = None,
    dry: DryRun | None = None,
    status_code: int = 200,
) -> Response:
    example = EXAMPLES.get(name, ("", ""))
    try:
        title = page.ctx.registry.latest(name).title.get(page.lang)
    except UnknownWorkflowError:
        title = name  # a new workflow: its name is all it has yet
    context: dict[str, Any] = {
        "name": name,
        "title": title,
        "source": source,
        "checked": checked is not None,
        "ok": checked is not None and checked.definition is not None,
        "summary": summary(page, checked) if checked is not None else "",
        "problems": problem_views(source, checked.problems) if checked is not None else [],
        "steps": example[1] if steps is None else steps,
        "opening": example[0] if opening is None else opening,
        "dry": dry,
        "draft": checked.definition if checked is not None else None,
        "names": (
            definition_names(checked.definition, page.lang)
            if checked is not None and checked.definition is not None
            else role_names(page.lang)
        ),
    }
    if dry is not None and checked is not None and checked.definition is not None:
        context.update(dry_context(page, checked.definition, dry))
    return page.render(
        "supervisor/editor.html",
        context,
        status_code=status_code,
        active_nav="/supervisor/definitions",
    )


@router.get("/supervisor/definitions/{name}/edit", name="editor")
def edit(page: PageDep, name: str, version: int | None = None) -> Response:
    page.require(Permission.PUBLISH_DEFINITION)
    refresh(page)
    definition = page.ctx.registry.get(name, version)
    return render_editor(page, name, definition.source)


@router.post("/supervisor/definitions/{name}/edit")
async def edit_submit(page: PageDep, name: str) -> Response:
    page.require(Permission.PUBLISH_DEFINITION)
    return await off_loop(_edit_submit, page, name, await page.form())


def _edit_submit(page: Page, name: str, form: FormData) -> Response:
    source = posted_source(form)
    steps = str(form.get("steps", ""))
    opening = str(form.get("opening", ""))
    button = str(form.get("button", "validate"))
    checked = validate(source)
    if checked.definition is None or button not in BUTTONS or button == "validate":
        status = 200 if checked.definition is not None else 422
        return render_editor(
            page, name, source, checked=checked, status_code=status, steps=steps, opening=opening
        )
    if button == "dry_run":
        dry = play(checked.definition, steps, opening, page.now(), page.ctx.service.calendar)
        return render_editor(
            page, name, source, checked=checked, dry=dry, steps=steps, opening=opening
        )
    return render_review(page, name, valid_review(page, source))


@router.post("/supervisor/definitions/validate", name="validate_draft")
async def validate_draft(page: PageDep) -> Response:
    """For the editor's script: the problems of a draft, as JSON (changes nothing)."""
    page.require(Permission.PUBLISH_DEFINITION)
    form = await page.form()
    source = posted_source(form)
    checked = await off_loop(validate, source)
    return JSONResponse(
        {
            "ok": checked.definition is not None,
            "summary": summary(page, checked),
            "problems": [
                {
                    "line": p.line,
                    "col": p.col,
                    "key": p.key,
                    "message": engine_text(page.lang, p.message),
                    "hint": engine_text(page.lang, p.hint),
                    "message_id": p.message_id,
                    "where": page.t("editor.line", line=p.line, col=p.col),
                }
                for p in checked.problems
            ],
        }
    )
