"""The rates people are judged by, over any range of opening dates, broken down and ranked.

Every rate is defined in docs/RATES.md (numerator, denominator, which events count, the source
of each definition); the database sums the counts per group and period (engine.store.rates),
this module rolls them up the unit tree and keeps a community to its own figures.

Cases a reviewer excluded (unreasonable, out of scope) and duplicates merged into another case
(`merged_into`) are left out of every rate; the number left out is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.casework.context import Casework
from engine.casework.errors import RateRangeError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.store import rates as rate_store
from engine.store.rate_facts import MEDIATED_OUTCOMES, RESOLVED_OUTCOMES
from engine.store.rates import RateCount, RateFilter
from engine.units import UnitTree

# How the rates may be broken down: `community` and `street` roll the handling unit (the grid
# unit, else the handling unit, else the owner) up the unit tree.
GROUPS: tuple[str, ...] = (
    "none",
    "organisation",
    "community",
    "street",
    "grid",
    "category",
    "workflow",
    "period",
)
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
RATES: tuple[str, ...] = ("response", "resolution", "satisfaction", "on_time", "success")
MAX_BUCKETS = 400
TREND_MONTHS = 12
NO_UNIT = "-"


@dataclass
class Tally:
    """The counts of one group; the rates are their ratios (None: nothing to divide by)."""

    cases: int = 0
    excluded: int = 0
    awaiting_response: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed: int = 0
    closed_on_time: int = 0
    mediated: int = 0
    agreements: int = 0
    close_seconds: float = 0.0
    urged: int = 0  # cases urged (催办) at least once

    def add(self, other: Tally | RateCount) -> None:
        for f in fields(Tally):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def rate(self, name: str) -> float | None:
        """One of RATES."""
        part, whole = {
            "response": (self.responded_in_time, self.awaiting_response),
            "resolution": (self.resolved, self.cases),
            "satisfaction": (self.satisfied, self.rated),
            "on_time": (self.closed_on_time, self.closed),
            "success": (self.agreements, self.mediated),
        }[name]
        return ratio(part, whole)

    @property
    def avg_close_hours(self) -> float | None:
        return round(self.close_seconds / 3600 / self.closed, 2) if self.closed else None


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class RateQuery:
    """Which cases (opened in [start, end)) and how to break them down."""

    start: datetime | None = None
    end: datetime | None = None
    workflow: str | None = None
    org_unit: str | None = None
    grid_unit: str | None = None
    group_by: str = "none"
    period: str = "month"


@dataclass
class RateTable:
    """The rates per group (ordered by key; periods in time order) and in total."""

    groups: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    own_area: str | None = None  # the community whose own figures these are


def own_area(user: User, tree: UnitTree) -> str | None:
    """The community a user belongs to, whose own figures are all they see of the rates."""
    unit = tree.units.get(user.unit) if user.unit else None
    return unit.code if unit is not None and unit.kind == "community" else None


def ancestor_of_kind(tree: UnitTree, code: str | None, kind: str) -> str:
    """The unit itself or its nearest ancestor of `kind`; NO_UNIT when there is none."""
    if code is None:
        return NO_UNIT
    for c in (code, *tree.ancestors(code)):
        u = tree.units.get(c)
        if u is not None and u.kind == kind:
            return c
    return NO_UNIT


def period_start(moment: datetime, period: str, tz: ZoneInfo) -> datetime:
    """The local start of the period holding `moment` (weeks start on Monday)."""
    local = moment.astimezone(tz)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "quarter":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    if period == "year":
        return day.replace(day=1, month=1)
    return day.replace(day=1)


def next_period(start: datetime, period: str, tz: ZoneInfo) -> datetime:
    if period in ("day", "week"):
        days = 1 if period == "day" else 7
        # Step in local dates, so that a period keeps its local midnight.
        naive = start.replace(tzinfo=None) + timedelta(days=days)
        return naive.replace(tzinfo=tz)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1)


def period_label(moment: datetime, period: str, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    if period == "year":
        return str(local.year)
    return local.strftime("%Y-%m")


def period_bounds(start: datetime, end: datetime, period: str, tz: ZoneInfo) -> list[datetime]:
    """Local period starts from the one holding `start` to the first at or after `end`."""
    bounds = [period_start(start, period, tz)]
    while bounds[-1] < end:
        if len(bounds) > MAX_BUCKETS:
            raise RateRangeError(MAX_BUCKETS, period)
        bounds.append(next_period(bounds[-1], period, tz))
    if len(bounds) == 1:
        bounds.append(next_period(bounds[0], period, tz))
    return bounds


def _filter(q: RateQuery, area: frozenset[str] | None) -> RateFilter:
    return RateFilter(q.start, q.end, q.workflow, q.org_unit, q.grid_unit, area)


def _store_key(group_by: str) -> str:
    if group_by in ("community", "street"):
        return "area"
    return group_by if group_by in rate_store.GROUP_KEYS else "none"


def compute_rates(cw: Casework, user: User, tree: UnitTree, q: RateQuery) -> RateTable:
    """The rates over the cases the user sees that `q` selects, per group and in total; a
    community sees its own figures only."""
    require(user, Permission.READ_RATES)
    tz = ZoneInfo(cw.timezone)
    area_code = own_area(user, tree)
    area = frozenset(tree.subtree(area_code)) if area_code else None
    with cw.store.transaction(write=False) as tx:
        bounds: list[datetime] | None = None
        if q.group_by == "period":
            lo, hi = q.start, q.end
            if lo is None or hi is None:
                first, last = rate_store.opened_range(tx)
                lo = lo or first
                hi = hi or (last + timedelta(microseconds=1) if last else None)
            if lo is None or hi is None or hi <= lo:
                return RateTable(own_area=area_code)
            bounds = period_bounds(lo, hi, q.period, tz)
        counts = rate_store.rate_counts(
            tx, user.scope, _filter(q, area), _store_key(q.group_by), bounds
        )
    table = RateTable(own_area=area_code)
    labels: list[str] = []
    if bounds is not None:
        labels = [period_label(b, q.period, tz) for b in bounds[:-1]]
        table.groups = {label: Tally() for label in labels}
    for c in counts:
        key = _key_of(c, q.group_by, tree, labels)
        table.groups.setdefault(key, Tally()).add(c)
        table.total.add(c)
    if bounds is None:
        table.groups = dict(sorted(table.groups.items()))
    return table


def _key_of(c: RateCount, group_by: str, tree: UnitTree, labels: list[str]) -> str:
    if group_by == "period":
        return labels[c.bucket or 0]
    if group_by in ("community", "street"):
        return ancestor_of_kind(tree, c.key, group_by)
    if group_by == "none":
        return "all"
    return c.key or NO_UNIT


def rate_trend(
    cw: Casework,
    user: User,
    tree: UnitTree,
    q: RateQuery,
    months: int = TREND_MONTHS,
) -> RateTable:
    """The monthly rates of the `months` months up to the one holding `q.end` (or now)."""
    tz = ZoneInfo(cw.timezone)
    last = (q.end or cw.clock.now()) - timedelta(microseconds=1)
    end = next_period(period_start(last, "month", tz), "month", tz)
    start = end
    for _ in range(months):
        index = start.year * 12 + start.month - 2
        start = start.replace(year=index // 12, month=index % 12 + 1)
    monthly = RateQuery(
        start, end, q.workflow, q.org_unit, q.grid_unit, group_by="period", period="month"
    )
    return compute_rates(cw, user, tree, monthly)


def ranked(groups: dict[str, Tally], rate: str) -> list[tuple[int, str, Tally]]:
    """Groups ranked by `rate`, best first (groups without the rate last); equal rates share a
    rank (1, 2, 2, 4)."""
    ordered = sorted(
        groups.items(), key=lambda kv: (kv[1].rate(rate) is None, -(kv[1].rate(rate) or 0), kv[0])
    )
    out: list[tuple[int, str, Tally]] = []
    for i, (key, t) in enumerate(ordered):
        same = out and out[-1][2].rate(rate) == t.rate(rate)
        out.append((out[-1][0] if same else i + 1, key, t))
    return out


__all__ = [
    "GROUPS",
    "MEDIATED_OUTCOMES",
    "PERIODS",
    "RATES",
    "RESOLVED_OUTCOMES",
    "RateQuery",
    "RateTable",
    "Tally",
    "compute_rates",
    "ranked",
    "rate_trend",
    "ratio",
]
