"""Supervisors' view of the workflows: the list, and one definition with its diagram."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.pages.errors import PageRoute
from api.pages.formatting import duration_text
from api.pages.forms import display_value
from api.pages.i18n import translate
from api.pages.page import Page, PageDep
from api.pages.timer_form import TimerForm, timer_form
from api.pages.views import action_label
from engine.casework.permissions import Permission
from engine.casework.shipped import definition_problems
from engine.casework.versions_in_use import open_cases_by_version
from engine.definition import Definition, TimerDef
from engine.diagram import mermaid
from engine.durations import Duration

router = APIRouter(route_class=PageRoute)


REFRESH_AFTER_S = 30.0


def refresh(page: Page) -> None:
    """Pick up versions other processes published, at most every REFRESH_AFTER_S seconds
    (reading them back parses every stored version; this process's own publishing updates
    its registry at once, and the registry was loaded when the process started)."""
    state = page.request.app.state
    now = time.monotonic()
    last = getattr(state, "definitions_refreshed_at", None)
    if last is None:
        state.definitions_refreshed_at = now
    elif now - last >= REFRESH_AFTER_S:
        page.ctx.registry.refresh()
        state.definitions_refreshed_at = now


@dataclass(frozen=True, slots=True)
class DefinitionLine:
    name: str
    title: str
    version: int
    versions: list[int]
    states: int
    transitions: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class StateRow:
    name: str
    label: str
    roles: str
    final: bool


@dataclass(frozen=True, slots=True)
class ActionRow:
    action: str
    label: str
    sources: str
    dest: str
    roles: str
    requires: str
    guard: str


@dataclass(frozen=True, slots=True)
class TimerLine:
    state: str
    name: str
    state_name: str
    after: str
    then: str
    reason: str


def _after(definition: Definition, timer: TimerDef, lang: str) -> str:
    a = timer.after
    parts = []
    if timer.every is not None:
        parts.extend(_every(definition, timer, lang))
    if a.duration is not None:
        parts.append(duration_text(a.duration, lang))
    if a.by:
        by = definition.fields.get(a.by)
        parts.append(
            ", ".join(
                f"{display_value(by, k, lang) if by else k}: {duration_text(v, lang)}"
                for k, v in a.table.items()
            )
        )
    if timer.at_field:
        parts.append(f"@{_field(definition, timer.at_field, lang)}")
    if timer.working_days_only:
        parts.append(translate(lang, "defs.working_days_only"))
    return "; ".join(parts)


def _every(definition: Definition, timer: TimerDef, lang: str) -> list[str]:
    """A recurring timer's period and its end, in the page's words."""
    every = timer.every
    assert every is not None
    if every.unit == "half_months":
        period = translate(lang, "defs.half_month")
    elif every.unit == "weeks":
        period = duration_text(Duration(every.amount * 7, "days"), lang)
    else:
        period = duration_text(Duration(every.amount, every.unit), lang)
    parts = [translate(lang, "defs.every", period=period)]
    if timer.from_field:
        parts.append(
            translate(lang, "defs.counted_from", field=_field(definition, timer.from_field, lang))
        )
    if timer.count is not None:
        parts.append(translate(lang, "defs.count", n=timer.count))
    if timer.until_field:
        parts.append(
            translate(lang, "defs.until", field=_field(definition, timer.until_field, lang))
        )
    if timer.until_state:
        states = "、".join(
            definition.states[s].label.get(lang)
            for s in timer.until_state
            if s in definition.states
        )
        parts.append(translate(lang, "defs.until_state", states=states))
    return parts


def _field(definition: Definition, name: str, lang: str) -> str:
    f = definition.fields.get(name)
    return f.label.get(lang) if f else name


def _roles(roles: Iterable[str], lang: str) -> str:
    return "、".join(translate(lang, f"role.{r}") for r in roles)


def describe(definition: Definition, lang: str) -> dict[str, object]:
    """The tables of a definition page: states, actions, timers."""
    st = definition.states
    return {
        "states": [
            StateRow(n, s.label.get(lang), _roles(s.roles, lang), s.final) for n, s in st.items()
        ],
        "actions": [
            ActionRow(
                t.action,
                t.label.get(lang),
                ", ".join(st[s].label.get(lang) for s in t.sources if s in st),
                st[t.dest].label.get(lang),
                _roles(t.roles, lang),
                "、".join(_field(definition, f, lang) for f in t.requires),
                t.guard.source if t.guard else "",
            )
            for t in definition.transitions
        ],
        "timers": [
            TimerLine(
                translate(lang, "defs.case_level") if t.case_level else st[t.state].label.get(lang),
                t.name,
                t.state,
                _after(definition, t, lang),
                action_label(definition, t.action, lang)
                if t.action
                else translate(lang, "defs.notify", roles=_roles(t.notify, lang)),
                t.reason.get(lang) if t.reason else "",
            )
            for t in definition.all_timers()
        ],
    }


def diagram_text(definition: Definition, lang: str) -> str:
    """The definition's Mermaid diagram without the timer notes (the timers table below
    lists them): the notes make the drawing too wide to read on a screen."""
    lines = mermaid(definition, lang).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("note ")) + "\n"


@router.get("/supervisor/definitions", name="definitions")
def definitions_list(page: PageDep) -> Response:
    page.require(Permission.READ_DEFINITIONS)
    refresh(page)
    registry = page.ctx.registry
    rows = [
        DefinitionLine(
            d.name,
            d.title.get(page.lang),
            d.version,
            [v.version for v in registry.versions(d.name)],
            len(d.states),
            len(d.transitions),
            d.content_hash[:12],
        )
        for d in registry.all_latest()
    ]
    return page.render(
        "supervisor/definitions.html",
        {
            "definitions": rows,
            "may_edit": page.may(Permission.PUBLISH_DEFINITION),
            "problems": definition_problems(page.ctx),
        },
        active_nav="/supervisor/definitions",
    )


@router.get("/supervisor/definitions/{name}", name="definition")
def definition_page(
    page: PageDep,
    name: str,
    version: int | None = None,
    published: int = 0,
    unchanged: int = 0,
    from_version: Annotated[int, Query(alias="from")] = 0,
) -> Response:
    page.require(Permission.READ_DEFINITIONS)
    refresh(page)
    definition = page.ctx.registry.get(name, version)
    flash = _flash(page, definition, published, unchanged)
    migrate = ""
    if published and 0 < from_version < definition.version:
        migrate = (
            f"/supervisor/migrations/new?workflow={definition.name}"
            f"&from={from_version}&to={definition.version}"
        )
    return render_definition(
        page, definition, flash=flash, migrate=migrate, from_version=from_version
    )


def render_definition(
    page: Page,
    definition: Definition,
    *,
    flash: str = "",
    migrate: str = "",
    from_version: int = 0,
    timer_forms: dict[tuple[str, str], TimerForm] | None = None,
    status_code: int = 200,
) -> Response:
    """A definition's page; the latest version offers a form under each timer to those who
    may publish (`timer_forms` keeps what was typed in one of them)."""
    name = definition.name
    versions = [v.version for v in page.ctx.registry.versions(name)]
    may_edit = page.may(Permission.PUBLISH_DEFINITION)
    forms: dict[tuple[str, str], TimerForm] = {}
    if may_edit and definition.version == max(versions):
        # A state's single timer may be rewritten here (engine.timer_edit); a case-level
        # or a recurring one in its file.
        forms = {
            (t.state, t.name): timer_form(t, page.lang)
            for t in definition.all_timers()
            if not t.case_level and t.every is None
        }
        forms.update(timer_forms or {})
    return page.render(
        "supervisor/definition.html",
        {
            "definition": definition,
            "title": definition.title.get(page.lang),
            "description": definition.description.get(page.lang) if definition.description else "",
            "versions": versions,
            "diagram": diagram_text(definition, page.lang),
            "may_edit": may_edit,
            "flash": flash,
            "migrate": migrate,
            "from_version": from_version,
            "timer_forms": forms,
            "running": migrate_link(page, name, versions),
            **describe(definition, page.lang),
        },
        status_code=status_code,
        active_nav="/supervisor/definitions",
    )


@dataclass(frozen=True, slots=True)
class MigrateLink:
    href: str
    from_version: int
    open_cases: int


def migrate_link(page: Page, name: str, versions: list[int]) -> MigrateLink | None:
    """To the plan form for this workflow, from the oldest version that still runs open
    cases to the latest; none when no older version does or the user may not migrate."""
    if not page.may(Permission.MIGRATE_CASE) or len(versions) < 2:
        return None
    latest = versions[-1]
    running = open_cases_by_version(page.ctx, page.user, name)
    older = sorted(v for v, n in running.items() if v < latest and n > 0)
    if not older:
        return None
    query = urlencode({"workflow": name, "from": older[0], "to": latest})
    return MigrateLink(f"/supervisor/migrations/new?{query}", older[0], running[older[0]])


def _flash(page: Page, definition: Definition, published: int, unchanged: int) -> str:
    if published:
        return page.t("editor.published", name=definition.name, version=definition.version)
    if unchanged:
        return page.t("editor.unchanged", name=definition.name, version=definition.version)
    return ""
