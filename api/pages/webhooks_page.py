"""Client systems' webhook deliveries for admins: newest first, filtered by client and status,
each with its attempts (when, the answer's status code or the error, how long), and a button
that sends a delivery again (`engine.casework.webhooks.redeliver`, as
POST /api/webhooks/deliveries/{id}/redeliver does)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path
from starlette.responses import RedirectResponse, Response

from api.pages.errors import PageRoute
from api.pages.formatting import local
from api.pages.offload import off_loop
from api.pages.page import Page, PageDep
from engine.casework import webhooks
from engine.casework.permissions import Permission

router = APIRouter(route_class=PageRoute)

PATH = "/admin/webhooks"
PER_PAGE = 50
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]


@dataclass(frozen=True, slots=True)
class AttemptLine:
    at: str
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    id: int
    delivery_id: str
    client: str
    case_id: int
    sequence: int
    change: str  # old → new state
    status: str
    created: str
    next_attempt: str
    delivered: str
    attempts: list[AttemptLine]


def _line(page: Page, h: webhooks.DeliveryHistory) -> DeliveryLine:
    d = h.delivery
    doc = json.loads(d.body)
    return DeliveryLine(
        id=d.id,
        delivery_id=d.delivery_id,
        client=d.client,
        case_id=d.case_id,
        sequence=d.sequence,
        change=f"{doc.get('old_state', '')} → {doc.get('new_state', '')}",
        status=d.status,
        created=local(d.created_at, page.tz),
        next_attempt=local(d.next_attempt_at, page.tz) if d.status == "pending" else "",
        delivered=local(d.delivered_at, page.tz) if d.delivered_at else "",
        attempts=[
            AttemptLine(local(a.at, page.tz), a.ok, a.status_code, a.error or "", a.duration_ms)
            for a in h.attempts
        ],
    )


@router.get(PATH, name="webhooks")
def webhooks_page(page: PageDep) -> Response:
    page.require(Permission.MANAGE_CLIENTS)
    q = page.request.query_params
    client = q.get("client", "").strip()[:32]
    status = q.get("status", "")
    status = status if status in webhooks.STATUSES else ""
    before_text = q.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    found = webhooks.deliveries(
        page.ctx,
        page.user,
        client=client or None,
        status=status or None,
        limit=PER_PAGE,
        before=before,
    )
    filters = {k: v for k, v in (("client", client), ("status", status)) if v}
    older = ""
    if len(found) == PER_PAGE:
        older = f"{PATH}?{urlencode({**filters, 'before': found[-1].delivery.id})}"
    redelivered = q.get("redelivered", "")
    return page.render(
        "admin/webhooks.html",
        {
            "lines": [_line(page, h) for h in found],
            "client": client,
            "status": status,
            "statuses": webhooks.STATUSES,
            "older": older,
            "newest": PATH + (f"?{urlencode(filters)}" if filters else "") if before else "",
            "redelivered": int(redelivered) if redelivered.isdigit() else None,
        },
        active_nav=PATH,
    )


@router.post(PATH + "/{delivery_id}/redeliver")
async def redeliver_form(page: PageDep, delivery_id: DeliveryId) -> Response:
    await page.form()  # the CSRF token
    await off_loop(webhooks.redeliver, page.ctx, page.user, delivery_id)
    return RedirectResponse(f"{PATH}?redelivered={delivery_id}", status_code=303)
