"""Duplicate suggestions on the report and intake forms (the "check" button, before the case
is opened), and merging or splitting a duplicate from the case page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.pages.views import field_value, state_label
from engine.casework import merging
from engine.casework.cases import visible_case
from engine.casework.duplicates import Probe, Suggestion, category_of, suggest
from engine.casework.errors import InvalidProbeError
from engine.duplicates import valid_point
from engine.reserved import CATEGORY_FIELDS, DESCRIPTION

router = APIRouter(route_class=PageRoute)
EXCERPT = 60


@dataclass(frozen=True, slots=True)
class SuggestionView:
    case_id: int
    state: str
    category: str
    opened: str
    excerpt: str
    reasons: list[str]


def place_of(form: FormData) -> tuple[tuple[float, float] | None, bool]:
    """The point a form's `lat` and `lng` give (None when both are empty), and whether they
    were well formed."""
    raw_lat, raw_lng = str(form.get("lat", "")).strip(), str(form.get("lng", "")).strip()
    if not raw_lat and not raw_lng:
        return None, True
    try:
        lat, lng = float(raw_lat), float(raw_lng)
    except ValueError:
        return None, False
    if not (math.isfinite(lat) and math.isfinite(lng) and valid_point(lat, lng)):
        return None, False
    return (lat, lng), True


def views(page: Page, found: list[Suggestion]) -> list[SuggestionView]:
    out = []
    for s in found:
        definition = page.ctx.service.definition_of(s.case)
        category = category_of(s.case.data)
        field = next((f for f in CATEGORY_FIELDS if s.case.data.get(f) == category), None)
        reasons = []
        if s.distance_m is not None:
            reasons.append(page.t("dup.reason.near", m=round(s.distance_m)))
        if s.text_score is not None:
            reasons.append(page.t("dup.reason.text", pct=round(s.text_score * 100)))
        if s.same_caller:
            reasons.append(page.t("dup.reason.caller"))
        text = str(s.case.data.get(DESCRIPTION) or "")
        out.append(
            SuggestionView(
                case_id=s.case.id,
                state=state_label(definition, s.case.state, page.lang),
                category=field_value(definition, field, category, page.lang, False)
                if field
                else "",
                opened=local(s.case.opened_at, page.tz, lang=page.lang),
                excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""),
                reasons=reasons,
            )
        )
    return out


def check(
    page: Page,
    workflow: str,
    category: str | None,
    description: str,
    place: tuple[float, float] | None,
    phone: str | None = None,
) -> list[SuggestionView]:
    """The suggestions for a case about to be opened from a form, as the page shows them."""
    probe = Probe(
        workflow=workflow,
        category=category or None,
        description=description[:4000],
        lat=place[0] if place else None,
        lng=place[1] if place else None,
        phone=phone or None,
    )
    return views(page, suggest(page.ctx, page.user, probe))


@router.post("/cases/{case_id}/merge")
async def merge_case(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_merge, page, case_id, await page.form())


def _merge(page: Page, case_id: int, form: FormData) -> Response:
    from api.pages.case_page import render_case

    raw = str(form.get("into", "")).strip().lstrip("#")
    note = str(form.get("note", ""))[: merging.NOTE_MAX]
    if not raw.isdigit() or not 0 < int(raw) < 2**62:
        case = visible_case(page.ctx, page.user, case_id)
        return render_case(page, case, errors={"_merge": page.t("dup.into_bad")}, status_code=422)
    merging.merge(page.ctx, page.user, case_id, int(raw), note)
    return RedirectResponse(f"/cases/{case_id}?done=merged", status_code=303)


@router.post("/cases/{case_id}/split")
async def split_case(page: PageDep, case_id: CaseIdPath) -> Response:
    return await off_loop(_split, page, case_id, await page.form())


def _split(page: Page, case_id: int, form: FormData) -> Response:
    merging.split(page.ctx, page.user, case_id, str(form.get("note", ""))[: merging.NOTE_MAX])
    return RedirectResponse(f"/cases/{case_id}?done=split", status_code=303)


__all__ = ["InvalidProbeError", "check", "place_of", "router", "views"]
