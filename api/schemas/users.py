"""Managing users: what the /api/users endpoints take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.text import StorableText
from engine.casework.passwords import MAX_LENGTH, MIN_LENGTH

ROLE_HELP = "grid_member, mediator, handler, org_admin, supervisor or admin"
Role = Literal["grid_member", "mediator", "handler", "org_admin", "supervisor", "admin"]
USERNAME_PATTERN = r"^[^\s/\\?#%]+$"


class ManagedUserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str = Field(description=ROLE_HELP)
    unit: str | None
    grid_units: list[str]
    lang: str
    active: bool
    has_password: bool = Field(
        description="false for a user imported without a password: they cannot log in until"
        " one is set (POST /api/users/{id}/reset-password)"
    )
    created_at: datetime | None
    deactivated_at: datetime | None
    password_changed_at: datetime | None


class UserCreateIn(StorableText):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "li.ming",
                    "display_name": "工会调解员 李明",
                    "role": "mediator",
                    "unit": "union",
                    "password": "a long secret phrase",
                }
            ]
        },
    )

    username: str = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)
    display_name: str = Field(default="", max_length=128)
    role: Role = Field(description=ROLE_HELP)
    unit: str | None = Field(default=None, max_length=64)
    lang: str = Field(default="zh", pattern="^(zh|en)$")
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserPatchIn(StorableText):
    """Another role and/or unit; `"unit": null` takes the unit away, a missing key keeps it."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "org_admin"}]}
    )

    role: Role | None = Field(default=None, description=ROLE_HELP)
    unit: str | None = Field(default=None, max_length=64)


class PasswordIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class OwnPasswordIn(StorableText):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UnlockOut(BaseModel):
    username: str
    forgotten_attempts: int
