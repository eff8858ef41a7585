"""Supervision: the overdue board and the rates dashboard."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fastapi import APIRouter
from markupsafe import Markup
from starlette.responses import Response

from api.pages.charts import bar_chart, percent
from api.pages.errors import PageRoute
from api.pages.page import Page, PageDep
from api.pages.workroom import cards
from engine.casework.cases import CaseFilter, list_cases
from engine.casework.permissions import Permission
from engine.casework.rates import PERIODS, RateFilter, Tally, compute_rates, ratio

router = APIRouter(route_class=PageRoute)

OVERDUE_LIMIT = 200
GROUPS: tuple[tuple[str, str], ...] = (
    ("organisation", "rates.by.org"),
    ("grid", "rates.by.grid"),
    ("category", "rates.by.category"),
    ("period", "rates.by.period"),
)
# (key, label) of each rate shown, in order.
RATES: tuple[tuple[str, str], ...] = (
    ("response", "rates.response"),
    ("resolution", "rates.resolution"),
    ("satisfaction", "rates.satisfaction"),
    ("on_time", "rates.on_time"),
    ("success", "rates.success"),
)


@dataclass(frozen=True, slots=True)
class RateLine:
    key: str
    label: str
    cases: int
    excluded: int
    values: dict[str, float | None]
    avg_close_h: float | None

    def shown(self, rate: str) -> str:
        return percent(self.values[rate])


def rate_values(t: Tally) -> dict[str, float | None]:
    return {
        "response": ratio(t.responded_in_time, t.cases),
        "resolution": ratio(t.resolved, t.cases),
        "satisfaction": ratio(t.satisfied, t.rated),
        "on_time": ratio(t.closed_on_time, t.closed),
        "success": ratio(t.agreements, t.mediated),
    }


def _line(key: str, label: str, t: Tally) -> RateLine:
    avg = round(sum(t.close_hours) / len(t.close_hours), 1) if t.close_hours else None
    return RateLine(key, label, t.cases, t.excluded, rate_values(t), avg)


@router.get("/supervisor/overdue", name="overdue_board")
def overdue_board(page: PageDep, workflow: str = "") -> Response:
    page.require(Permission.READ_RATES)
    known = {d.name for d in page.ctx.registry.all_latest()}
    chosen = workflow if workflow in known else ""
    found = list_cases(
        page.ctx,
        page.user,
        CaseFilter(workflow=chosen or None, overdue=True, open_only=True),
        limit=OVERDUE_LIMIT,
        sort="deadline",
    )
    items = cards(page, found.items)
    by_unit = Counter(c.unit or "—" for c in items).most_common()
    by_state = Counter(f"{c.workflow_title} · {c.state_label}" for c in items).most_common()
    return page.render(
        "supervisor/overdue.html",
        {
            "cases": items,
            "total": found.total,
            "by_unit": by_unit,
            "by_state": by_state,
            "workflows": [(d.name, d.title.get(page.lang)) for d in page.ctx.registry.all_latest()],
            "workflow": chosen,
        },
        active_nav="/supervisor/overdue",
    )


@router.get("/supervisor/rates", name="rates_dashboard")
def rates_dashboard(
    page: PageDep, by: str = "organisation", workflow: str = "", period: str = "month"
) -> Response:
    page.require(Permission.READ_RATES)
    by = by if by in {g for g, _ in GROUPS} else "organisation"
    period = period if period in PERIODS else "month"
    known = {d.name for d in page.ctx.registry.all_latest()}
    chosen = workflow if workflow in known else ""
    groups, total = compute_rates(
        page.ctx, page.user, RateFilter(workflow=chosen or None), by, period
    )
    tree = page.request.app.state.units.tree()
    labels = _category_labels(page, chosen)

    def label(key: str) -> str:
        if by in ("organisation", "grid"):
            return tree.label(key, page.lang) if key != "-" else "—"
        if by == "category":
            return labels.get(key, key)
        return key

    lines = [_line(k, label(k), t) for k, t in groups.items()]
    by_label = page.t(dict(GROUPS)[by])
    charts: list[Markup] = [
        bar_chart(
            page.t("rates.chart", rate=page.t(rate_label), by=by_label),
            [(line.label, line.values[key]) for line in lines],
            i,
        )
        for i, (key, rate_label) in enumerate(RATES)
    ]
    return page.render(
        "supervisor/rates.html",
        {
            "by": by,
            "groups": GROUPS,
            "period": period,
            "workflow": chosen,
            "workflows": [(d.name, d.title.get(page.lang)) for d in page.ctx.registry.all_latest()],
            "rates": RATES,
            "lines": lines,
            "total": _line("all", "∑", total),
            "charts": charts,
        },
        active_nav="/supervisor/rates",
    )


def _category_labels(page: Page, workflow: str) -> dict[str, str]:
    """Category value labels of the workflows shown (the first label of a value wins)."""
    out: dict[str, str] = {}
    for d in page.ctx.registry.all_latest():
        if workflow and d.name != workflow:
            continue
        f = d.fields.get("category")
        if f is None:
            continue
        for value, lab in f.value_labels.items():
            out.setdefault(value, lab.get(page.lang))
    return out
