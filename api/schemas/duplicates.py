"""Duplicate suggestions, merging and splitting."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from api.schemas.text import PointIn, StorableText
from engine.duplicates import DEFAULT_RADIUS_M, DEFAULT_WINDOW_DAYS, MAX_RADIUS_M, MAX_WINDOW_DAYS


class DuplicateProbeIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow": "grid_escalation",
                    "category": "sanitation",
                    "description": "和平里七区3号楼北侧垃圾清运点满溢",
                    "point": {"lat": 39.9612, "lng": 116.4173},
                    "phone": "13812345678",
                }
            ]
        },
    )

    workflow: str = Field(min_length=1, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    description: str = Field(default="", max_length=4000)
    point: PointIn | None = Field(
        default=None, description="Where (WGS-84): for the duplicate suggestions"
    )
    phone: str | None = Field(
        default=None,
        max_length=32,
        pattern=r"^[0-9+\- ]*$",
        description="The caller's number: compared by its keyed hash, never stored",
    )
    radius_m: int = Field(default=DEFAULT_RADIUS_M, ge=1, le=MAX_RADIUS_M)
    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=1, le=MAX_WINDOW_DAYS)


class SuggestionOut(StorableText):
    case_id: int
    workflow: str
    state: str
    category: str | None
    opened_at: datetime
    distance_m: float | None = Field(description="Same category, within the radius")
    text_score: float | None = Field(description="Similar text: 0 to 1")
    same_caller: bool


class SuggestionsOut(StorableText):
    items: list[SuggestionOut]


class MergeIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    into: int = Field(ge=1, le=2**62, description="The case kept")
    note: str = Field(default="", max_length=500)


class SplitIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class MergedOut(StorableText):
    case_id: int
    version: int
    closed: bool
    merged_into: int | None
