"""The intake form: open a new case, with its parties kept apart from the workflow data."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.duplicates import SuggestionView, check, place_of
from api.pages.errors import PageError, PageRoute
from api.pages.forms import action_fields, parse, typed_raw, widgets
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.parties import PARTY_FIELDS, new_party
from engine.casework.cases import open_case
from engine.definition import SYSTEM_ROLE, Definition
from engine.errors import InvalidDataError
from engine.reserved import CATEGORY_FIELDS, DESCRIPTION

router = APIRouter(route_class=PageRoute)

# Workflows opened from a form of their own: the grid report (/grid/report), and a mass
# organisation's quarterly assessment (the ranking page, /points/ranking, names the unit).
OWN_FORMS = ("grid_escalation", "quarterly_scoring")


def intake_fields(definition: Definition, role: str) -> list[tuple[str, bool]]:
    """The fields of the first step a new case takes: the first action out of the initial
    state, open to `role`, that leads on to a state that is not final."""
    candidates = [
        t
        for t in definition.actions_from(definition.initial)
        if role in t.roles and t.dest != definition.initial and not definition.states[t.dest].final
    ]
    if not candidates:
        candidates = [t for t in definition.actions_from(definition.initial) if role in t.roles]
    return action_fields(definition, candidates[0]) if candidates else []


def openable(page: Page) -> list[Definition]:
    role = page.user.role
    return [
        d
        for d in page.ctx.registry.all_latest()
        if role in d.owner_roles and role != SYSTEM_ROLE and d.name not in OWN_FORMS
    ]


def _render(
    page: Page,
    definition: Definition,
    choices: list[Definition],
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    party: dict[str, str] | None = None,
    status_code: int = 200,
    place: tuple[float, float] | None = None,
    duplicates: list[SuggestionView] | None = None,
) -> Response:
    names = intake_fields(definition, page.user.role)
    return page.render(
        "workroom/intake.html",
        {
            "workflow": definition.name,
            "workflows": [(d.name, d.title.get(page.lang)) for d in choices],
            "widgets": widgets(definition, names, page.lang, raw=typed, errors=errors),
            "errors": errors or {},
            "party": party or {},
            "idem": uuid.uuid4().hex,
            "place_lat": f"{place[0]:.6f}" if place else "",
            "place_lng": f"{place[1]:.6f}" if place else "",
            "checked": duplicates is not None,
            "duplicates": duplicates or [],
        },
        status_code=status_code,
        active_nav="/workroom/new",
    )


def _chosen(page: Page, workflow: str) -> tuple[Definition, list[Definition]]:
    choices = openable(page)
    if not choices:
        raise PageError(403, "error.forbidden")
    chosen = next((d for d in choices if d.name == workflow), choices[0])
    return chosen, choices


@router.get("/workroom/new", name="intake")
def intake_form(page: PageDep, workflow: str = "mediation") -> Response:
    definition, choices = _chosen(page, workflow)
    return _render(page, definition, choices)


@router.post("/workroom/new")
async def intake_submit(page: PageDep) -> Response:
    return await off_loop(_intake, page, await page.form())


def _intake(page: Page, form: FormData) -> Response:
    definition, choices = _chosen(page, str(form.get("workflow", "")))
    names = intake_fields(definition, page.user.role)
    typed = typed_raw(form, [n for n, _ in names])
    party = {k: str(form.get(f"party_{k}", "")).strip()[:n] for k, n in PARTY_FIELDS.items()}
    place, place_ok = place_of(form)
    if form.get("check") and place_ok:
        category = next((typed[f] for f in CATEGORY_FIELDS if typed.get(f)), None)
        found = check(
            page,
            definition.name,
            category,
            typed.get(DESCRIPTION, ""),
            place,
            party["phone"] or None,
        )
        return _render(page, definition, choices, typed, None, party, 200, place, found)
    data, errors = parse(definition, names, typed, page.lang, page.tz)
    if not place_ok:
        errors["_place"] = page.t("place.bad")
    if errors:
        return _render(page, definition, choices, typed, errors, party, 422, place)
    if "mediator" in definition.fields and page.user.role == "mediator":
        data.setdefault("mediator", page.user.username)
    idem = str(form.get("idem", "")) or uuid.uuid4().hex
    # Someone of no unit but grids (a grid member) opens the case in their first grid.
    user = page.user
    grid = user.grid_units[0] if user.unit is None and user.grid_units else None
    try:
        result = open_case(
            page.ctx,
            page.user,
            definition.name,
            data,
            grid_unit=grid,
            idempotency_key=f"page:{idem[:64]}:open",
            parties=[new_party(party, "party_sensitive" in form, False)] if party["name"] else [],
            place=place,
        )
    except InvalidDataError as exc:
        return _render(page, definition, choices, typed, dict(exc.errors), party, 422, place)
    return RedirectResponse(f"/cases/{result.case.id}?done=open", status_code=303)
