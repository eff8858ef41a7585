"""Printable documents of a case: the mediation agreement (调解协议书) and the follow-up record
(回访记录), at `/cases/{id}/print/agreement` and `/cases/{id}/print/visit`. The parties' names
are masked; the form on the page reveals them with a reason (audited) and answers the same
document with the names. What a document holds comes from the case's data and from the steps
that recorded the agreement and the visit (engine.printables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from starlette.datastructures import FormData
from starlette.responses import Response

from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from api.pages.params import CaseIdPath
from api.pages.parties import PartyView, party_views
from api.pages.views import Row, field_value, state_label
from api.units import UnitCache
from engine import printables
from engine.casework.printing import Printable, printable
from engine.model import Event
from engine.reserved import AGREEMENT_TERMS, CATEGORY_FIELDS, DESCRIPTION, OUTCOME, VISIT_DATE

router = APIRouter(route_class=PageRoute)

Document = Annotated[Literal["agreement", "visit"], Path()]
REASON_MIN, REASON_MAX = 2, 500
# Shown elsewhere on the document, or the engine's own bookkeeping.
NOT_A_TERM = frozenset({AGREEMENT_TERMS, OUTCOME})


@dataclass(frozen=True, slots=True)
class Step:
    """The step that recorded what the document states: when, by whom, what."""

    at: str
    actor: str
    rows: list[Row]


@router.get("/cases/{case_id}/print/{document}", name="print_case")
def print_page(page: PageDep, case_id: CaseIdPath, document: Document) -> Response:
    return render(page, printable(page.ctx, page.user, case_id, document))


@router.post("/cases/{case_id}/print/{document}")
async def print_with_names(page: PageDep, case_id: CaseIdPath, document: Document) -> Response:
    return await off_loop(_with_names, page, case_id, document, await page.form())


def _with_names(page: Page, case_id: int, document: str, form: FormData) -> Response:
    reason = str(form.get("reason", "")).strip()[:REASON_MAX]
    if len(reason) < REASON_MIN:
        shown = printable(page.ctx, page.user, case_id, document)
        return render(page, shown, error=page.t("form.missing"), status_code=422)
    return render(page, printable(page.ctx, page.user, case_id, document, reveal_reason=reason))


def render(page: Page, p: Printable, error: str = "", status_code: int = 200) -> Response:
    lang, tz = page.lang, page.tz
    d, case = p.definition, p.case
    units: UnitCache = page.request.app.state.units
    tree = units.tree()

    def shown(name: str, value: object) -> str:
        return field_value(d, name, value, lang, p.revealed, tree)

    def step(event: Event | None, skip: frozenset[str]) -> Step | None:
        if event is None:
            return None
        values = printables.step_values(event)
        rows = [
            Row(f.label.get(lang), shown(name, values[name]))
            for name, f in d.fields.items()
            if name in values and name not in skip and values[name] not in (None, "", [])
        ]
        return Step(local(event.at, tz), event.actor, rows)

    category = next((n for n in CATEGORY_FIELDS if case.data.get(n) is not None), None)
    parties: list[PartyView] = party_views(page, p.parties, unmasked=p.revealed)
    return page.render(
        f"workroom/print_{p.document}.html",
        {
            "case": case,
            "document": p.document,
            "workflow_title": d.title.get(lang),
            "state_label": state_label(d, case.state, lang),
            "org_unit": tree.label(case.org_unit, lang),
            "parties": parties,
            "revealed": p.revealed,
            "may_reveal": page.may_read_personal_data(),
            "description": str(case.data.get(DESCRIPTION) or ""),
            "category": shown(category, case.data[category]) if category else "",
            "terms": str(case.data.get(AGREEMENT_TERMS) or ""),
            "agreement": step(printables.agreement_step(p.history), NOT_A_TERM),
            "visit": step(printables.visit_step(p.history), frozenset({OUTCOME})),
            "visit_date": shown(VISIT_DATE, case.data[VISIT_DATE])
            if case.data.get(VISIT_DATE)
            else "",
            "documents": p.documents,
            "error": error,
            "printed": local(page.now(), tz),
        },
        status_code=status_code,
        active_nav="/workroom",
    )
