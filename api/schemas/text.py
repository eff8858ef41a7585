"""Text every store can hold: no NUL character, no unpaired UTF-16 surrogate.

JSON can carry both (``"\\u0000"``, ``"\\ud800"``). PostgreSQL refuses NUL in text and in
JSONB, and a lone surrogate cannot be encoded as UTF-8 for SQLite or PostgreSQL; either one
failed deep inside a write as a server error. Refused when the request is parsed, the client
gets a 422 naming the field instead.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A surrogate code point in a Python str is always unpaired: JSON's escaped pairs are
# joined into one character when the body is decoded.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_at(value: Any) -> str | None:
    """The path (``a/b/0``) of the first string, key or value, in `value` that a store cannot
    hold; None when all can be stored. Walked with a stack: no depth limit to hit."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                here = f"{path}/{key}" if path else str(key)
                if isinstance(key, str) and UNSTORABLE.search(key):
                    return here
                stack.append((here, inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}/{i}" if path else str(i), x) for i, x in enumerate(item))
        elif isinstance(item, BaseModel):
            stack.append((path, dict(item)))
    return None


def has_unstorable(value: Any) -> bool:
    """Whether any string in `value` cannot be stored: the quick test run on every request
    (no paths built); the parser bounds the nesting, so recursion is safe."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        for key, item in value.items():
            if has_unstorable(key) or has_unstorable(item):
                return True
    elif isinstance(value, list | tuple):
        for item in value:
            if has_unstorable(item):
                return True
    elif isinstance(value, BaseModel):
        return has_unstorable(value.__dict__)
    return False


def check_storable(value: Any) -> Any:
    """A validator: `value` unchanged, or a ValueError naming where the bad text is."""
    if not has_unstorable(value):
        return value
    where = unstorable_at(value)
    if where is not None:
        shown = UNSTORABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", where)
        inside = f" (at {shown})" if shown else ""
        raise ValueError(f"text must not contain NUL or unpaired surrogate characters{inside}")
    return value


class StorableText(BaseModel):
    """Base of the request models: every string field, nested ones too, is storable."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_storable(value)


class PointIn(StorableText):
    """Where the matter is: WGS-84 degrees (both, or no point at all)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"lat": 39.9612, "lng": 116.4173}]}
    )

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)

    def pair(self) -> tuple[float, float]:
        return self.lat, self.lng
