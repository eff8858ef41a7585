"""Who is acting: a signed-in person with a role, a unit and grid units, and what they see."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Actor
from engine.visibility import Visibility

ROLES: tuple[str, ...] = ("grid_member", "mediator", "handler", "org_admin", "supervisor", "admin")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    unit: str | None
    grid_units: list[str]
    lang: str = "zh"
    csrf: str = ""  # the page session's CSRF token; empty for bearer tokens
    via: str = "bearer"  # bearer | session
    scope: Visibility = field(default_factory=Visibility, repr=False, compare=False)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)
