"""Exports: case lists (with the list's own filters), the overdue board and the rates, as
rows for engine.tabular to write as CSV or .xlsx.

A case export reads the cases a keyset page at a time (`engine.store.queries.case_batch`),
each page in a read transaction of its own, so a list of any length streams with flat memory;
the first page, the count and the audit entry `export` (what, the format, the filters and the
number of rows) are written in one transaction before the first byte goes out. Headers and
the labels of states and values are in the language asked for; the parties' personal data
and the workflow's free-text and personal fields are never exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine import tabular
from engine.casework.board import BoardItem, board_items
from engine.casework.context import Casework
from engine.casework.errors import UnknownUnitError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.casework.rates import NO_UNIT, RATES, RateQuery, Tally, compute_rates, ranked
from engine.definition import Definition
from engine.reserved import ASSIGNEE_FIELDS, CATEGORY_FIELDS, OUTCOME
from engine.store import audit, queries
from engine.store import board as board_store
from engine.store.queries import CaseFilter, CaseListItem
from engine.store.repository import SqlTransaction
from engine.units import UnitTree

EXPORT = "export"
BATCH = 1000
UNIT_GROUPS = frozenset({"organisation", "community", "street", "grid"})

# column key: (中文, English)
CASE_COLUMNS: Mapping[str, tuple[str, str]] = {
    "id": ("案件编号", "Case"),
    "workflow": ("流程", "Workflow"),
    "state": ("状态", "State"),
    "category": ("类别", "Category"),
    "org_unit": ("所属组织", "Organisation"),
    "grid_unit": ("网格", "Grid"),
    "assignee": ("承办人", "Assigned to"),
    "opened_at": ("受理时间", "Opened"),
    "updated_at": ("最近更新", "Updated"),
    "next_deadline": ("下一期限", "Next deadline"),
    "overdue": ("是否逾期", "Overdue"),
    "closed_at": ("办结时间", "Closed"),
    "outcome": ("结果", "Outcome"),
    "external_source": ("来源系统", "Source system"),
    "external_id": ("来源工单号", "Source ticket"),
}
BOARD_COLUMNS: Mapping[str, tuple[str, str]] = {
    "id": ("案件编号", "Case"),
    "workflow": ("流程", "Workflow"),
    "state": ("状态", "State"),
    "overdue": ("是否逾期", "Overdue"),
    "late_h": ("逾期时长(小时)", "Hours overdue"),
    "working": ("按工作时间计", "In working time"),
    "missed": ("未办期限", "Deadline missed"),
    "missed_at": ("应办时间", "Was due"),
    "unit": ("责任单位", "Responsible unit"),
    "person": ("责任人", "Responsible person"),
    "tier": ("层级", "Tier"),
    "next_deadline": ("下一期限", "Next deadline"),
    "urges": ("催办次数", "Urges"),
    "last_urged_at": ("最近催办", "Last urged"),
}
RATE_COLUMNS: Mapping[str, tuple[str, str]] = {
    "key": ("分组", "Group"),
    "label": ("名称", "Name"),
    "rank": ("排名", "Rank"),
    "cases": ("案件数", "Cases"),
    "excluded": ("已排除", "Excluded"),
    "response": ("响应率(%)", "Response rate (%)"),
    "resolution": ("解决率(%)", "Resolution rate (%)"),
    "satisfaction": ("满意率(%)", "Satisfaction rate (%)"),
    "on_time": ("按期办结率(%)", "On-time rate (%)"),
    "success": ("调解成功率(%)", "Mediation success rate (%)"),
    "avg_close_h": ("平均办结时长(小时)", "Average time to close (hours)"),
}
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
TOTAL = ("合计", "Total")


@dataclass(frozen=True)
class Export:
    """A file to write: its name stem, header and rows (read as they are written)."""

    what: str
    header: list[str]
    rows: Iterator[list[tabular.Cell]]
    total: int

    def chunks(self, fmt: str) -> Iterator[bytes]:
        return tabular.chunks(fmt, self.header, self.rows, title=self.what)


def export_cases(
    cw: Casework,
    user: User,
    tree: UnitTree,
    f: CaseFilter,
    *,
    fmt: str,
    lang: str,
    what: str = "cases",
    batch: int = BATCH,
) -> Export:
    """The cases the user sees under the filter, newest first; audited."""
    if fmt not in tabular.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    now = cw.clock.now()
    with cw.store.transaction() as tx:
        total = queries.count_cases(tx, user.scope, f, now)
        first = queries.case_batch(tx, user.scope, f, now, before_id=None, limit=batch)
        _audit(tx, cw, user, what, fmt, _filters(f), total)
    items = _batches(cw, user, f, now, first, batch)
    del first  # the generator holds the first page until it is written, no longer
    tz = ZoneInfo(cw.timezone)
    rows = (_case_row(cw, tree, lang, tz, item) for item in items)
    return Export(what, _header(CASE_COLUMNS, lang), rows, total)


def export_board(
    cw: Casework,
    user: User,
    tree: UnitTree,
    workflow: str | None,
    *,
    fmt: str,
    lang: str,
    unit: str | None = None,
    batch: int = BATCH,
) -> Export:
    """The overdue board as it lists its cases, most urgent first, with its own columns (how
    late, the deadline missed, who is responsible, the urges), for the board's readers. The
    order is worked out once (a few numbers a case); the cases are read a page at a time."""
    require(user, Permission.READ_RATES)
    if fmt not in tabular.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if unit is not None and unit not in tree.units:
        raise UnknownUnitError(unit)
    now = cw.clock.now()
    units = tree.subtree(unit) if unit else None
    with cw.store.transaction() as tx:
        places = board_store.ranked_all(tx, user.scope, now, workflow=workflow, units=units)
        filters = {k: v for k, v in (("workflow", workflow), ("unit", unit)) if v}
        _audit(tx, cw, user, "board", fmt, filters, len(places))
    tz = ZoneInfo(cw.timezone)
    rows = (_board_row(cw, tree, lang, tz, i) for i in _board_items(cw, places, tree, now, batch))
    return Export("board", _header(BOARD_COLUMNS, lang), rows, len(places))


def _board_items(
    cw: Casework, places: list[board_store.Ranked], tree: UnitTree, now: datetime, batch: int
) -> Iterator[BoardItem]:
    for start in range(0, len(places), batch):
        with cw.store.transaction(write=False) as tx:
            rows = board_store.rows_of(tx, places[start : start + batch])
            items = board_items(cw, tx, rows, tree, now)
        yield from items


def _board_row(
    cw: Casework, tree: UnitTree, lang: str, tz: ZoneInfo, item: BoardItem
) -> list[tabular.Cell]:
    case = item.case
    definition = cw.registry.get(case.workflow, case.workflow_version)
    state = definition.states.get(case.state)
    yes, no = YES_NO["en" if lang == "en" else "zh"]
    missed = item.missed
    return [
        case.id,
        definition.title.get(lang),
        state.label.get(lang) if state is not None else case.state,
        yes if item.overdue else no,
        round(item.late.seconds / 3600, 1) if item.late is not None else None,
        (yes if item.late.working else no) if item.late is not None else None,
        (missed.label.get(lang) if missed.label else missed.name) if missed else None,
        _local(missed.due_at, tz) if missed else None,
        tree.label(item.unit, lang) or None if item.unit else None,
        item.person,
        item.tier,
        _local(item.next_deadline, tz),
        item.urges,
        _local(item.last_urged_at, tz),
    ]


def export_rates(
    cw: Casework,
    user: User,
    tree: UnitTree,
    q: RateQuery,
    *,
    fmt: str,
    lang: str,
    rank_by: str | None = None,
) -> Export:
    """The rates table as `compute_rates` gives it (ranked when asked), a line per group and
    the total last; audited once the table is computed."""
    if fmt not in tabular.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    table = compute_rates(cw, user, tree, q)
    labels = _category_labels(cw, q.workflow, lang)

    def label(key: str) -> str:
        if key == NO_UNIT:
            return "—"
        if q.group_by in UNIT_GROUPS:
            return tree.label(key, lang)
        if q.group_by == "category":
            return labels.get(key, key)
        return key

    if rank_by is not None and q.group_by != "period":
        lines = [_rate_row(k, label(k), n, t) for n, k, t in ranked(table.groups, rank_by)]
    else:
        lines = [_rate_row(k, label(k), None, t) for k, t in table.groups.items()]
    lines.append(_rate_row("all", TOTAL[1] if lang == "en" else TOTAL[0], None, table.total))
    filters = {k: v for k, v in asdict(q).items() if v is not None}
    if rank_by is not None:
        filters["rank_by"] = rank_by
    with cw.store.transaction() as tx:
        _audit(tx, cw, user, "rates", fmt, filters, len(lines))
    return Export("rates", _header(RATE_COLUMNS, lang), iter(lines), len(lines))


def _audit(
    tx: SqlTransaction,
    cw: Casework,
    user: User,
    what: str,
    fmt: str,
    filters: Mapping[str, Any],
    rows: int,
) -> None:
    described = {"what": what, "format": fmt, "filters": filters, "rows": rows}
    audit.record(
        tx,
        at=cw.clock.now(),
        username=user.username,
        action=EXPORT,
        reason=json.dumps(described, ensure_ascii=False, sort_keys=True, default=str),
    )


def _filters(f: CaseFilter) -> dict[str, Any]:
    return {k: v for k, v in asdict(f).items() if v is not None}


def _batches(
    cw: Casework,
    user: User,
    f: CaseFilter,
    now: datetime,
    first: list[CaseListItem],
    batch: int,
) -> Iterator[CaseListItem]:
    """The first page, then the next ones, a read transaction each, until one comes short."""
    page, first = first, []  # one page held at a time
    while True:
        yield from page
        if len(page) < batch:
            return
        before = page[-1].case.id
        with cw.store.transaction(write=False) as tx:
            page = queries.case_batch(tx, user.scope, f, now, before_id=before, limit=batch)


def _header(columns: Mapping[str, tuple[str, str]], lang: str) -> list[str]:
    return [en if lang == "en" else zh for zh, en in columns.values()]


def _case_row(
    cw: Casework, tree: UnitTree, lang: str, tz: ZoneInfo, item: CaseListItem
) -> list[tabular.Cell]:
    case = item.case
    definition = cw.registry.get(case.workflow, case.workflow_version)
    state = definition.states.get(case.state)
    yes, no = YES_NO["en" if lang == "en" else "zh"]
    category = next((n for n in CATEGORY_FIELDS if case.data.get(n) is not None), None)
    assignee = case.assignee or next(
        (str(case.data[n]) for n in ASSIGNEE_FIELDS if case.data.get(n)), None
    )
    return [
        case.id,
        definition.title.get(lang),
        state.label.get(lang) if state is not None else case.state,
        _value_label(definition, category, case.data, lang) if category else None,
        tree.label(case.org_unit, lang) or None,
        tree.label(case.grid_unit, lang) or None,
        assignee,
        _local(case.opened_at, tz),
        _local(case.updated_at, tz),
        _local(item.next_deadline, tz),
        yes if item.overdue else no,
        _local(case.closed_at, tz),
        _value_label(definition, OUTCOME, case.data, lang),
        item.external.source if item.external else None,
        item.external.ticket if item.external else None,
    ]


def _value_label(
    definition: Definition, name: str, data: Mapping[str, Any], lang: str
) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    field = definition.fields.get(name)
    shown = field.value_labels.get(value) if field is not None and isinstance(value, str) else None
    return shown.get(lang) if shown is not None else str(value)


def _local(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(" ", "minutes")[:16] if moment is not None else None


def _rate_row(key: str, label: str, rank: int | None, t: Tally) -> list[tabular.Cell]:
    rates: list[tabular.Cell] = [_percent(t.rate(r)) for r in RATES]
    return [key, label, rank, t.cases, t.excluded, *rates, t.avg_close_hours]


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _category_labels(cw: Casework, workflow: str | None, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in cw.registry.all_latest():
        if workflow and d.name != workflow:
            continue
        for name in CATEGORY_FIELDS:
            f = d.fields.get(name)
            if f is not None:
                for value, lab in f.value_labels.items():
                    out.setdefault(value, lab.get(lang))
    return out


def file_name(what: str, fmt: str, at: datetime, tz: str) -> str:
    """`cases-20261203-1830.csv`: what, the local time of the export, the format."""
    return f"{what}-{at.astimezone(ZoneInfo(tz)).strftime('%Y%m%d-%H%M')}.{fmt}"


__all__ = [
    "EXPORT",
    "Export",
    "export_board",
    "export_cases",
    "export_rates",
    "file_name",
]
