"""The rates people are judged by, computed from one row per case.

- 响应率 response rate: the first action after opening was taken by a person before any
  deadline fired / cases.
- 解决率 resolution rate: closed, and the outcome (where the workflow records one) is an
  agreement / cases.
- 满意率 satisfaction rate: rated 4 or 5 / cases with a rating (satisfaction or rating, 1–5).
- on-time rate: closed without any deadline missed / closed cases.
- mediation success rate: outcome agreement / cases that went through mediation (outcome
  agreement, failed, period_expired or not_performed).
- average time to close: mean hours from opening to closing, over closed cases.

Cases a reviewer excluded (unreasonable, out of scope) and duplicates merged into another
case are left out of every rate; the number excluded is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.casework.context import Casework
from engine.casework.exclusions import rate_rows
from engine.casework.identity import User
from engine.store.rates import RateFilter, RateRow

MEDIATED_OUTCOMES = frozenset({"agreement", "failed", "period_expired", "not_performed"})
GROUPS: tuple[str, ...] = ("none", "organisation", "grid", "category", "period", "workflow")
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


@dataclass
class Tally:
    cases: int = 0
    excluded: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    closed: int = 0
    closed_on_time: int = 0
    mediated: int = 0
    agreements: int = 0
    close_hours: list[float] = field(default_factory=list)

    def add(self, row: RateRow) -> None:
        if row.excluded or row.merged:
            self.excluded += 1
            return
        self.cases += 1
        missed = row.first_system_seq is not None
        if row.first_human_seq is not None and (
            not missed or row.first_human_seq < (row.first_system_seq or 0)
        ):
            self.responded_in_time += 1
        if row.closed_at is not None:
            self.closed += 1
            if not missed:
                self.closed_on_time += 1
            self.close_hours.append((row.closed_at - row.opened_at).total_seconds() / 3600)
            if row.outcome in (None, "agreement"):
                self.resolved += 1
        if row.rating is not None:
            self.rated += 1
            if row.rating >= 4:
                self.satisfied += 1
        if row.outcome in MEDIATED_OUTCOMES:
            self.mediated += 1
            if row.outcome == "agreement":
                self.agreements += 1


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def group_key(group_by: str, period: str, tz: ZoneInfo) -> Callable[[RateRow], str]:
    if group_by == "organisation":
        return lambda r: r.org_unit or "-"
    if group_by == "grid":
        return lambda r: r.grid_unit or "-"
    if group_by == "category":
        return lambda r: r.category or "-"
    if group_by == "workflow":
        return lambda r: r.workflow
    if group_by == "period":
        return lambda r: period_label(r.opened_at, period, tz)
    return lambda r: "all"


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


def tally(
    rows: Iterable[RateRow], group_by: str, period: str, tz: str
) -> tuple[dict[str, Tally], Tally]:
    key = group_key(group_by, period, ZoneInfo(tz))
    groups: dict[str, Tally] = {}
    total = Tally()
    for row in rows:
        groups.setdefault(key(row), Tally()).add(row)
        total.add(row)
    return dict(sorted(groups.items())), total


__all__ = ["PERIODS", "RateFilter", "Tally", "compute_rates", "ratio", "tally"]


def compute_rates(
    cw: Casework, user: User, f: RateFilter, group_by: str, period: str
) -> tuple[dict[str, Tally], Tally]:
    """The rates over the cases the user sees that `f` selects, grouped, and their total."""
    return tally(rate_rows(cw, user, f), group_by, period, cw.timezone)
