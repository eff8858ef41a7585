"""Client systems' webhooks: what the /api/webhooks endpoints take and answer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText
from engine.casework.webhooks import DeliveryHistory
from engine.webhooks import MAX_URL

Status = Literal["pending", "sending", "delivered", "failed"]


class WebhookIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"url": "https://12345.example.gov.cn/fengqiao"}]},
    )

    url: str = Field(min_length=1, max_length=MAX_URL, description="http:// or https://")
    allow_private: bool = Field(
        default=False,
        description="allow a host on this machine or a private network (an intranet's system)",
    )


class WebhookSetOut(BaseModel):
    client: str
    url: str
    secret: str = Field(description="the signing secret: shown this once, keep it now")


class AttemptOut(BaseModel):
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    delivery_id: str = Field(description="X-Fengqiao-Delivery: the same on every attempt")
    client: str
    case_id: int
    sequence: int
    event: str
    status: Status
    attempts: list[AttemptOut]
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    payload: dict[str, Any] = Field(description="the JSON body as sent")

    @classmethod
    def of(cls, h: DeliveryHistory) -> DeliveryOut:
        d = h.delivery
        return cls(
            id=d.id,
            delivery_id=d.delivery_id,
            client=d.client,
            case_id=d.case_id,
            sequence=d.sequence,
            event=d.event,
            status=d.status,
            attempts=[
                AttemptOut(
                    at=a.at,
                    ok=a.ok,
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_ms,
                )
                for a in h.attempts
            ],
            next_attempt_at=d.next_attempt_at,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            last_error=d.last_error,
            payload=json.loads(d.body),
        )
