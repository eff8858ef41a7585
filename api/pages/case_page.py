"""The case page: facts, parties, history, pending deadlines, and the actions as forms."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.duplicates import views as duplicate_views
from api.pages.errors import PageRoute
from api.pages.formatting import due, local, span
from api.pages.forms import action_fields, convert, display_value, parse, typed_raw
from api.pages.messages import definition_names, engine_text
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.pages.parties import PartyView, party_views, reveal
from api.pages.task_views import task_section
from api.pages.views import (
    action_forms,
    action_label,
    data_rows,
    state_label,
    tier_label,
    timeline,
    timer_views,
)
from api.units import UnitCache
from engine import printables
from engine.casework.assignment import mediators_for
from engine.casework.cases import case_view, fire, visible_case
from engine.casework.duplicates import suggest_for_case
from engine.casework.merging import merged_into
from engine.casework.permissions import Permission
from engine.casework.public_intake import case_receipt
from engine.casework.tasks import case_tasks
from engine.casework.urging import NOTE_MAX, URGE, urge
from engine.definition import Definition
from engine.errors import (
    ConflictError,
    GuardFailedError,
    InvalidDataError,
    MissingFieldsError,
    RoleNotAllowedError,
    UnknownActionError,
)
from engine.model import Case, Timer
from engine.receipts import shown as receipt_shown
from engine.timers import timer_def

router = APIRouter(route_class=PageRoute)

IDEM_FIELD = "idem"
# What the task forms report back (api.pages.tasks_page).
TASK_STEPS = ("added", "complete", "close", "assign")


def suggestions(page: Page) -> dict[str, Any]:
    """Values offered for empty fields: the user's own name and unit."""
    return {
        "mediator": page.user.username,
        "handling_unit": page.user.unit,
        "lead_unit": page.user.unit,
    }


def render_case(
    page: Page,
    case: Case,
    *,
    open_action: str = "",
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    flash: str = "",
    revealed: list[PartyView] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = page.ctx
    view = case_view(ctx, page.user, case.id)
    case = view.case
    definition = ctx.service.definition_of(case)
    lang, tz, now = page.lang, page.tz, page.now()
    unmasked = revealed is not None
    units: UnitCache = page.request.app.state.units
    tree = units.tree()
    options = view.actions
    forms = action_forms(
        definition, case, options, lang, suggestions(page), open_action, typed, errors
    )
    final = definition.states[case.state].final
    merged = merged_into(case)
    may_merge = page.may(Permission.MERGE_CASES) and not final
    deadlines = sorted((t for t in view.deadlines if t.kind == "deadline"), key=lambda t: t.fire_at)
    tasks = task_section(case_tasks(ctx, page.user, case.id), definition, tree, lang, tz, now)
    return page.render(
        "workroom/case.html",
        {
            "case": case,
            "definition_title": definition.title.get(lang),
            "state_label": state_label(definition, case.state, lang),
            "final": final,
            "tier": tier_label(definition, case.data, lang),
            "org_unit": tree.label(case.org_unit, lang),
            "grid_unit": tree.label(case.grid_unit, lang),
            "opened": local(case.opened_at, tz, lang=lang),
            "external": view.external,
            "rows": data_rows(
                definition, case.data, lang, unmasked, skip=("tier", "photos"), units=tree
            ),
            "photos": photo_names(case),
            "timeline": timeline(definition, view.history, lang, tz, unmasked, units=tree),
            "timers": timer_views(definition, case, view.deadlines, lang, now, tz),
            "forms": forms,
            "idem": uuid.uuid4().hex,
            "parties": revealed if revealed is not None else party_views(page, view.parties, False),
            "revealed": unmasked,
            "may_reveal": page.may_read_personal_data(),
            "may_add_party": page.may(Permission.ADD_PARTY),
            "page_errors": []
            if open_action
            else [v for k, v in (errors or {}).items() if k[:1] == "_"],
            "flash": flash,
            "mobile": page.user.role == "grid_member",
            "workflow_version": workflow_version(page, case),
            "assignee": case.assignee or "",
            "handover_units": [
                (u.code, tree.label(u.code, lang))
                for u in sorted(tree.units.values(), key=lambda u: u.code)
                if not u.retired and u.code != case.org_unit
            ]
            if page.may(Permission.HAND_OVER) and not final
            else [],
            "handed_to": [tree.label(u, lang) for u in view.handed_to],
            "may_claim": page.may(Permission.CLAIM_CASE) and not case.assignee and not final,
            "mediators": mediators_for(ctx, page.user, case.id)
            if page.may(Permission.ASSIGN_CASE) and not final
            else [],
            "next_deadline": due(deadlines[0].fire_at, now, lang, tz) if deadlines else None,
            "overdue": view.overdue,
            "overdue_text": overdue_text(page, definition, case, deadlines) if view.overdue else "",
            "may_urge": page.may(Permission.URGE) and case.closed_at is None,
            "urge_max": NOTE_MAX,
            "urges": sum(1 for e in view.history if e.action == URGE),
            "documents": printables.available(definition, case, view.history),
            **tasks,
            "merged_into": merged,
            "may_merge": may_merge and (case.closed_at is None or merged is not None),
            "duplicates": duplicate_views(page, suggest_for_case(ctx, page.user, case.id))
            if may_merge and case.closed_at is None
            else [],
            "receipt": receipt_shown(case_receipt(ctx, page.user, case.id) or ""),
        },
        status_code=status_code,
        active_nav="/grid/reports" if page.user.role == "grid_member" else "/workroom",
    )


def overdue_text(page: Page, definition: Definition, case: Case, deadlines: list[Timer]) -> str:
    """The overdue banner's detail: the deadline missed, when it was due, how long ago.
    Empty when it is not a pending one (fired, or given up, in this stay)."""
    now = page.now()
    missed = next((t for t in deadlines if t.fire_at <= now), None)
    if missed is None:
        return ""
    tdef = timer_def(definition, case.state, missed.name)
    reason = tdef.reason.get(page.lang) if tdef and tdef.reason else missed.name
    return page.t(
        "case.overdue_since",
        reason=reason,
        at=local(missed.fire_at, page.tz),
        span=span(now - missed.fire_at, page.lang),
    )


@dataclass(frozen=True, slots=True)
class WorkflowVersion:
    """The version of its workflow a case runs on, and the newest one if that is later."""

    name: str
    version: int
    newer: int | None
    link: str


def workflow_version(page: Page, case: Case) -> WorkflowVersion:
    """Linked to the version's definition page for those who may read definitions."""
    latest = page.ctx.registry.latest(case.workflow).version
    link = ""
    if page.may(Permission.READ_DEFINITIONS):
        link = f"/supervisor/definitions/{case.workflow}?version={case.workflow_version}"
    newer = latest if latest > case.workflow_version else None
    return WorkflowVersion(case.workflow, case.workflow_version, newer, link)


def photo_names(case: Case) -> list[str]:
    photos = case.data.get("photos")
    if not isinstance(photos, list):
        return []
    return [p.rsplit("/", 1)[-1] for p in photos if isinstance(p, str) and "/" in p]


@router.get("/cases/{case_id}", name="case_page")
def show_case(
    page: PageDep,
    case_id: CaseIdPath,
    done: str = "",
    assigned: str = "",
    handed: str = "",
    urged: str = "",
    task: str = "",
) -> Response:
    case = visible_case(page.ctx, page.user, case_id)
    flash = ""
    if task in TASK_STEPS:
        flash = page.t(f"task.done.{task}")
    elif urged:
        flash = page.t("urge.done")
    elif handed:
        flash = page.t("handover.done", unit=handed[:64])
    elif assigned in ("claimed", "assigned"):
        flash = page.t(f"assign.done.{assigned}", assignee=case.assignee or "")
    elif done in ("merged", "split"):
        flash = page.t(f"dup.done.{done}")
    elif done:
        definition = page.ctx.service.definition_of(case)
        flash = page.t("case.done", label=action_label(definition, done, page.lang))
    return render_case(page, case, flash=flash)


@router.post("/cases/{case_id}/act")
async def act(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_act, page, case_id, await page.form())


def _act(page: Page, case_id: int, form: FormData) -> Response:
    case = visible_case(page.ctx, page.user, case_id)
    action = str(form.get("action", ""))
    definition = page.ctx.service.definition_of(case)
    transition = definition.transition(case.state, action)
    names = action_fields(definition, transition) if transition else []
    typed = typed_raw(form, [n for n, _ in names])
    try:
        expected = int(str(form.get("version", "")))
    except ValueError:
        expected = case.version
    if transition is None:
        return _conflict_or_refused(page, case, action, expected, typed)
    data, errors = parse(definition, names, typed, page.lang, page.tz)
    if errors:
        return render_case(
            page, case, open_action=action, typed=typed, errors=errors, status_code=422
        )
    idem = str(form.get(IDEM_FIELD, "")) or uuid.uuid4().hex
    try:
        fire(
            page.ctx,
            page.user,
            case_id,
            action,
            data,
            expected_version=expected,
            idempotency_key=f"page:{idem[:64]}",
        )
    except ConflictError:
        return _conflict_or_refused(page, case, action, expected, typed)
    except MissingFieldsError as exc:
        errors = {f: page.t("form.missing") for f in exc.fields}
    except InvalidDataError as exc:
        errors = dict(exc.errors)
    except GuardFailedError:
        message = transition.guard_message.get(page.lang) if transition.guard_message else ""
        errors = {"_guard": message or page.t("error.action")}
    except (RoleNotAllowedError, UnknownActionError) as exc:
        errors = {
            "_action": engine_text(page.lang, str(exc), definition_names(definition, page.lang))
        }
    else:
        return RedirectResponse(f"/cases/{case_id}?done={action}", status_code=303)
    return render_case(page, case, open_action=action, typed=typed, errors=errors, status_code=422)


def typed_rows(page: Page, definition: Definition, typed: dict[str, str]) -> list[tuple[str, str]]:
    """What was typed, labelled and shown as the case page would show it."""
    rows = []
    for name, text in typed.items():
        fdef = definition.fields.get(name)
        if fdef is None or not text.strip():
            continue
        value, error = convert(fdef, text.strip(), page.lang, page.tz)
        rows.append(
            (fdef.label.get(page.lang), text if error else display_value(fdef, value, page.lang))
        )
    return rows


def _conflict_or_refused(
    page: Page, seen: Case, action: str, expected: int, typed: dict[str, str]
) -> Response:
    """Someone else moved the case: show its new state and keep what was typed."""
    case = page.ctx.service.get_case(seen.id)
    definition = page.ctx.service.definition_of(case)
    if case.version == expected:
        # Not a conflict: the action simply does not exist here.
        return render_case(page, case, errors={"_action": page.t("conflict.gone")}, status_code=422)
    history = page.ctx.service.history(case.id)
    last = history[-1]
    still_possible = any(
        o.transition.action == action for o in page.ctx.service.allowed_actions(case, page.actor)
    )
    retry = None
    if still_possible:
        forms = action_forms(
            definition,
            case,
            page.ctx.service.allowed_actions(case, page.actor),
            page.lang,
            suggestions(page),
            action,
            typed,
            {},
        )
        retry = next(f for f in forms if f.action == action)
    return page.render(
        "errors/conflict.html",
        {
            "case": case,
            "action_label": action_label(definition, action, page.lang),
            "last_actor": last.actor,
            "last_action": action_label(definition, last.action, page.lang),
            "state_label": state_label(definition, case.state, page.lang),
            "typed_rows": typed_rows(page, definition, typed),
            "rows": data_rows(definition, case.data, page.lang, False, skip=("tier",)),
            "retry": retry,
            "idem": uuid.uuid4().hex,
        },
        status_code=409,
    )


@router.post("/cases/{case_id}/parties/reveal")
async def reveal_parties(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_reveal_parties, page, case_id, await page.form())


def _reveal_parties(page: Page, case_id: int, form: FormData) -> Response:
    case = visible_case(page.ctx, page.user, case_id)
    reason = str(form.get("reason", "")).strip()[:500]
    if len(reason) < 2:
        return render_case(page, case, errors={"_reason": page.t("form.missing")}, status_code=422)
    return render_case(page, case, revealed=reveal(page, case_id, reason))


@router.post("/cases/{case_id}/urge")
async def urge_case(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_urge, page, case_id, await page.form())


def _urge(page: Page, case_id: int, form: FormData) -> Response:
    """催办 this case: an entry in its history, a notice to the responsible unit."""
    case = visible_case(page.ctx, page.user, case_id)
    page.require(Permission.URGE)
    note = str(form.get("note", "")).strip()
    if len(note) > NOTE_MAX:
        errors = {"_urge": page.t("urge.too_long", n=NOTE_MAX)}
        return render_case(page, case, errors=errors, status_code=422)
    idem = str(form.get(IDEM_FIELD, "")) or uuid.uuid4().hex
    urge(page.ctx, page.user, [case_id], note, f"page:{idem[:64]}")
    return RedirectResponse(f"/cases/{case_id}?urged=1", status_code=303)
