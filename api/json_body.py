"""JSON request bodies parsed within bounds, before any handler or model sees them.

Starlette parses a body with plain ``json.loads``: it accepts ``NaN``, ``Infinity`` and
``1e999`` (stored, they break SQLite's JSON functions for every later reader), integers of
thousands of digits (no column can hold them), and objects with any number of keys (50,000
unknown keys cost seconds of validation errors). Here each of those is a JSON error, which
FastAPI answers as a 422 problem naming what was wrong, in the time the parse takes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

MAX_KEYS = 256  # per JSON object: more than any workflow has fields
MAX_INT_DIGITS = 19  # a signed 64-bit integer has at most 19 digits
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class _Refused(ValueError):
    """Raised inside the parser's hooks; turned into a JSONDecodeError with the body."""


class _Bad:
    """A value out of bounds, carried up from where the parser met it to the object that
    holds it, so the refusal can name the field (``#/data/claim_amount``)."""

    __slots__ = ("path", "reason")

    def __init__(self, reason: str, path: tuple[str, ...] = ()) -> None:
        self.reason = reason
        self.path = path

    def under(self, key: str) -> _Bad:
        return _Bad(self.reason, (key, *self.path))


def _bad_in(value: Any) -> _Bad | None:
    """The first out-of-bounds value in a parsed value (lists are searched; objects were
    searched by their own hook)."""
    if isinstance(value, _Bad):
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _bad_in(item)
            if found is not None:
                return found.under(str(i))
    return None


def _object(pairs: list[tuple[str, Any]]) -> Any:
    if len(pairs) > MAX_KEYS:
        return _Bad(f"an object has {len(pairs)} keys; at most {MAX_KEYS} are accepted")
    for key, value in pairs:
        found = _bad_in(value)
        if found is not None:
            return found.under(key)
    return dict(pairs)


def _constant(name: str) -> Any:
    return _Bad(f"{name} is not a number JSON allows: send a finite number")


def _float(text: str) -> Any:
    value = float(text)
    if not math.isfinite(value):
        return _Bad(f"{text[:20]} is too large for a number: send a finite number")
    return value


def _int(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _Bad(f"an integer of {len(text.lstrip('-'))} digits is out of range (64 bits)")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        return _Bad(f"{text} is out of range (64-bit integers)")
    return value


_decoder = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_constant, parse_float=_float, parse_int=_int
)


def pointer(path: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) in the form the problem documents use: ``#/a/b``."""
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)


def loads(body: bytes | str) -> Any:
    """`json.loads` within the bounds above; JSONDecodeError otherwise, whose message starts
    with the pointer to the value refused (``#/data/x: …``)."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        value = _decoder.decode(text)
    except RecursionError:
        raise json.JSONDecodeError("the body is nested too deeply", text, 0) from None
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"the body is not UTF-8: {exc.reason}", "", 0) from None
    found = _bad_in(value)
    if found is not None:
        raise json.JSONDecodeError(f"{pointer(found.path)}: {found.reason}", text, 0)
    return value


class BoundedJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class BoundedJsonRoute(APIRoute):
    """An API route whose JSON body is parsed by `loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            return await handler(BoundedJsonRequest(request.scope, request.receive))

        return run
