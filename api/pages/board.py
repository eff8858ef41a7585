"""Supervision: the rates dashboard (the overdue board is api/pages/overdue.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from markupsafe import Markup
from starlette.responses import Response

from api.pages.charts import bar_chart, percent, trend_chart
from api.pages.errors import PageRoute
from api.pages.export_links import rates_links
from api.pages.page import Page, PageDep
from engine.casework.errors import RateRangeError
from engine.casework.permissions import Permission
from engine.casework.rates import (
    MAX_BUCKETS,
    NO_UNIT,
    PERIODS,
    RateQuery,
    Tally,
    compute_rates,
    ranked,
    rate_trend,
)
from engine.units import UnitTree

router = APIRouter(route_class=PageRoute)

GROUPS: tuple[tuple[str, str], ...] = (
    ("organisation", "rates.by.org"),
    ("community", "rates.by.community"),
    ("street", "rates.by.street"),
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
UNIT_GROUPS = frozenset({"organisation", "community", "street", "grid"})


@dataclass(frozen=True, slots=True)
class RateLine:
    key: str
    label: str
    cases: int
    excluded: int
    values: dict[str, float | None]
    avg_close_h: float | None
    rank: int | None = None
    urged: int = 0  # cases urged (催办) at least once

    def shown(self, rate: str) -> str:
        return percent(self.values[rate])


def rate_values(t: Tally) -> dict[str, float | None]:
    return {key: t.rate(key) for key, _ in RATES}


def _line(key: str, label: str, t: Tally, rank: int | None = None) -> RateLine:
    avg = round(t.avg_close_hours, 1) if t.avg_close_hours is not None else None
    return RateLine(key, label, t.cases, t.excluded, rate_values(t), avg, rank, t.urged)


def _local_day(text: str, tz: ZoneInfo) -> datetime | None:
    """A date typed in the form (YYYY-MM-DD) as its local midnight; None when empty."""
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=tz)


@router.get("/supervisor/rates", name="rates_dashboard")
def rates_dashboard(
    page: PageDep,
    by: str = "organisation",
    workflow: str = "",
    period: str = "month",
    rank: str = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    page.require(Permission.READ_RATES)
    by = by if by in {g for g, _ in GROUPS} else "organisation"
    period = period if period in PERIODS else "month"
    rank = rank if rank in {r for r, _ in RATES} else ""
    known = {d.name for d in page.ctx.registry.all_latest()}
    chosen = workflow if workflow in known else ""
    tz = ZoneInfo(page.ctx.timezone)
    error = ""
    try:
        lo = _local_day(start, tz)
        last_day = _local_day(end, tz)
    except ValueError:
        lo = last_day = None
        start = end = ""
        error = page.t("rates.bad_date")
    hi = last_day + timedelta(days=1) if last_day is not None else None
    if lo is not None and hi is not None and hi <= lo:
        lo = hi = None
        start = end = ""
        error = page.t("rates.bad_range")
    tree: UnitTree = page.request.app.state.units.tree()
    q = RateQuery(lo, hi, chosen or None, group_by=by, period=period)
    try:
        table = compute_rates(page.ctx, page.user, tree, q)
    except RateRangeError:
        error = page.t("rates.too_many", n=MAX_BUCKETS)
        q = RateQuery(lo, hi, chosen or None, group_by="organisation", period=period)
        by = "organisation"
        table = compute_rates(page.ctx, page.user, tree, q)
    trend = rate_trend(page.ctx, page.user, tree, RateQuery(end=hi, workflow=chosen or None))
    labels = _category_labels(page, chosen)

    def label(key: str) -> str:
        if key == NO_UNIT:
            return "—"
        if by in UNIT_GROUPS:
            return tree.label(key, page.lang)
        if by == "category":
            return labels.get(key, key)
        return key

    if rank and by != "period":
        lines = [_line(k, label(k), t, n) for n, k, t in ranked(table.groups, rank)]
    else:
        lines = [_line(k, label(k), t) for k, t in table.groups.items()]
    by_label = page.t(dict(GROUPS)[by])
    charts: list[Markup] = [
        bar_chart(
            page.t("rates.chart", rate=page.t(rate_label), by=by_label),
            [(line.label, line.values[key]) for line in lines],
            i,
        )
        for i, (key, rate_label) in enumerate(RATES)
    ]
    trend_lines = [_line(k, k, t) for k, t in trend.groups.items()]
    trend_charts: list[Markup] = [
        trend_chart(
            page.t("rates.trend_chart", rate=page.t(rate_label)),
            [(line.key[2:], line.values[key]) for line in trend_lines],
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
            "rank": rank,
            "start": start,
            "end": end,
            "error": error,
            "own_area": tree.label(table.own_area, page.lang) if table.own_area else "",
            "workflow": chosen,
            "workflows": [(d.name, d.title.get(page.lang)) for d in page.ctx.registry.all_latest()],
            "rates": RATES,
            "lines": lines,
            "total": _line("all", "∑", table.total),
            "charts": charts,
            "trend": trend_lines,
            "trend_charts": trend_charts,
            "exports": rates_links(by, period, rank, chosen, lo, hi, page.lang),
        },
        active_nav="/supervisor/rates",
        status_code=422 if error else 200,
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
