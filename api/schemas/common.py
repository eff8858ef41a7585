"""Models shared by several endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from api.schemas.text import StorableText
from engine.definition_reader import storage_error


def _storable(value: Any) -> Any:
    """A field value the stores can keep: JSON parsers accept NaN, Infinity and 1e999, and
    whole numbers of thousands of digits; none of them fits a case (422 names the field)."""
    if err := storage_error(value):
        raise ValueError(err)
    return value


#: One value of a case's data as a request brings it, checked at any depth.
FieldValue = Annotated[Any, AfterValidator(_storable)]


class LabelOut(BaseModel):
    zh: str
    en: str


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str = Field(description="grid_member, mediator, handler, org_admin, supervisor or admin")
    unit: str | None = Field(description="The user's organisation or area unit code")
    grid_units: list[str]
    lang: str


class LoginIn(StorableText):
    username: str = Field(min_length=1, max_length=64, examples=["mediator"])
    password: str = Field(min_length=1, max_length=256, examples=["demo-mediator"])


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: str
    user: UserOut

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "token": "q0Jx…",
                    "token_type": "bearer",
                    "expires_at": "2026-11-23T13:00:00+00:00",
                    "user": {
                        "id": 2,
                        "username": "mediator",
                        "display_name": "调解员 李明",
                        "role": "mediator",
                        "unit": "union",
                        "grid_units": [],
                        "lang": "zh",
                    },
                }
            ]
        }
    }


class UnitOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None
    retired: bool = Field(default=False, description="Merged or closed: takes no new case")


class AuditOut(BaseModel):
    id: int
    at: str
    username: str
    case_id: int | None
    party_id: int | None
    action: str
    reason: str
