"""The links a list page offers to download what it shows, with its current filters: the
workroom queue, the overdue board and the rates page point at the JSON API's exports
(api/routes/exports.py), in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from api.pages.formatting import DUE_SOON


@dataclass(frozen=True, slots=True)
class ExportLinks:
    csv: str
    xlsx: str


def _links(path: str, params: dict[str, str]) -> ExportLinks:
    query = urlencode({k: v for k, v in params.items() if v})
    return ExportLinks(f"{path}.csv?{query}", f"{path}.xlsx?{query}")


def queue_links(view: str, workflow: str, q: str, lang: str) -> ExportLinks:
    """The workroom queue's tab (mine, org, overdue, due_soon) as the case list's filters."""
    params = {"status": "open", "workflow": workflow, "q": q, "lang": lang}
    if view == "mine":
        params["mine"] = "true"
    elif view == "overdue":
        params["overdue"] = "true"
    elif view == "due_soon":
        params["overdue"] = "false"
        params["due_within"] = str(int(DUE_SOON / timedelta(hours=1)))
    return _links("/api/cases/export", params)


def board_links(workflow: str, unit: str, lang: str) -> ExportLinks:
    return _links("/api/board/export", {"workflow": workflow, "unit": unit, "lang": lang})


def rates_links(
    group_by: str,
    period: str,
    rank_by: str,
    workflow: str,
    start: datetime | None,
    end: datetime | None,
    lang: str,
) -> ExportLinks:
    """The rates page's table: its grouping, ranking, workflow and range (local midnights)."""
    params = {
        "group_by": group_by,
        "period": period,
        "rank_by": rank_by,
        "workflow": workflow,
        "from": start.isoformat() if start is not None else "",
        "to": end.isoformat() if end is not None else "",
        "lang": lang,
    }
    return _links("/api/rates/export", params)
