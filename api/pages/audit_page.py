"""The audit log for admins: administrative changes and reads of personal data, filtered by
who, what and when, a page at a time, with a link to the same selection as CSV
(GET /api/audit.csv). A GET form: no JavaScript, nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.responses import Response

from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.page import Page, PageDep
from engine.casework.audit_log import KNOWN_ACTIONS, AuditFilter, audit_search
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

PATH = "/admin/audit"
PER_PAGE = 50
MAX_PAGE = 20_000


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: str
    username: str
    action: str
    case_id: int | None
    reason: str


def _date(text: str) -> date | None:
    """A YYYY-MM-DD date; ValueError otherwise."""
    return date.fromisoformat(text) if text else None


@router.get(PATH, name="audit")
def audit_page(page: PageDep) -> Response:
    page.require(Permission.READ_AUDIT_LOG)
    q = page.request.query_params
    values = {k: q.get(k, "").strip()[:64] for k in ("username", "action", "from", "to")}
    number = q.get("page", "1")
    current = int(number) if number.isdigit() and 0 < len(number) < 6 else 1
    current = min(current, MAX_PAGE)
    try:
        f = AuditFilter(
            values["username"] or None,
            values["action"] or None,
            _date(values["from"]),
            _date(values["to"]),
        )
    except ValueError:
        return _render(page, values, [], current, False, page.t("audit.bad_date"), 422)
    found = audit_search(page.ctx, page.user, f, PER_PAGE, (current - 1) * PER_PAGE)
    lines = [
        AuditLine(local(e.at, page.tz), e.username, e.action, e.case_id, e.reason)
        for e in found.entries
    ]
    return _render(page, values, lines, current, found.has_more)


def _render(
    page: Page,
    values: dict[str, str],
    lines: list[AuditLine],
    current: int,
    has_more: bool,
    error: str = "",
    status: int = 200,
) -> Response:
    filters = {k: v for k, v in values.items() if v}

    def link(n: int) -> str:
        return f"{PATH}?{urlencode({**filters, 'page': n})}"

    return page.render(
        "admin/audit.html",
        {
            "values": values,
            "lines": lines,
            "actions": KNOWN_ACTIONS,
            "current": current,
            "newer": link(current - 1) if current > 1 else "",
            "older": link(current + 1) if has_more else "",
            "csv": "/api/audit.csv" + (f"?{urlencode(filters)}" if filters else ""),
            "error": error,
        },
        status_code=status,
        active_nav=PATH,
    )
