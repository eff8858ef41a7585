"""Client systems' webhooks (admins): set a client's webhook URL (its signing secret answered
once), list the deliveries with their attempts, send one again. The same use cases as the
admin page (api/pages/webhooks_page.py) and `fengqiao clients webhook`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.auth import CurrentUser
from api.deps import ContextDep
from api.json_body import BoundedJsonRoute
from api.problems import problem_responses
from api.schemas.webhooks import DeliveryOut, Status, WebhookIn, WebhookSetOut
from engine.casework import webhooks

router = APIRouter(tags=["webhooks"], route_class=BoundedJsonRoute)

ERRORS = problem_responses(401, 403, 404, 422)
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]
ClientName = Annotated[str, Path(min_length=1, max_length=32)]


@router.put("/clients/{name}/webhook", responses=ERRORS)
def set_webhook(
    name: ClientName, body: WebhookIn, user: CurrentUser, ctx: ContextDep
) -> WebhookSetOut:
    """Give a client system a webhook URL and a new signing secret, answered this once (the
    old secret stops signing at once). See docs/WEBHOOKS.md for checking the signature."""
    made = webhooks.set_webhook(ctx, user, name, body.url, allow_private=body.allow_private)
    return WebhookSetOut(client=made.client, url=made.url, secret=made.secret)


@router.get("/webhooks/deliveries", responses=ERRORS)
def list_deliveries(
    user: CurrentUser,
    ctx: ContextDep,
    client: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Status | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="ids below this")] = None,
    limit: Annotated[int, Query(ge=1, le=webhooks.MAX_PAGE)] = 50,
) -> list[DeliveryOut]:
    """Webhook deliveries, newest first, each with its attempts."""
    found = webhooks.deliveries(ctx, user, client=client, status=status, limit=limit, before=before)
    return [DeliveryOut.of(h) for h in found]


@router.get("/webhooks/deliveries/{delivery_id}", responses=ERRORS)
def get_delivery(delivery_id: DeliveryId, user: CurrentUser, ctx: ContextDep) -> DeliveryOut:
    return DeliveryOut.of(webhooks.delivery(ctx, user, delivery_id))


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", responses=ERRORS)
def redeliver(delivery_id: DeliveryId, user: CurrentUser, ctx: ContextDep) -> DeliveryOut:
    """Send the delivery again at the worker's next sweep: the same delivery id and body,
    a fresh count of attempts."""
    return DeliveryOut.of(webhooks.redeliver(ctx, user, delivery_id))
