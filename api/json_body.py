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
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _refusal(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """Where in a parsed body a value is out of bounds, and why; None when all are within.
    A walk after C's parser costs a microsecond or two on a firing's body, much less than
    parsing through Python hooks."""
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            return path, f"an object has {len(value)} keys; at most {MAX_KEYS} are accepted"
        for key, item in value.items():
            if item is None or isinstance(item, str | bool):
                continue
            found = _refusal(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if item is None or isinstance(item, str | bool):
                continue
            found = _refusal(item, (*path, str(i)))
            if found is not None:
                return found
    elif isinstance(value, float):
        if not math.isfinite(value):
            name = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            return path, f"{name} is not a number JSON allows: send a finite number"
    elif isinstance(value, int) and not isinstance(value, bool):
        return _int_refusal(value, path)
    return None


def _int_refusal(value: int, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    if INT64_MIN <= value <= INT64_MAX:
        return None
    digits = len(str(abs(value)))
    return path, f"an integer of {digits} digits is out of range (64 bits)"


def pointer(path: tuple[str, ...]) -> str:
    """A JSON pointer (RFC 6901) in the form the problem documents use: ``#/a/b``."""
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)


def loads(body: bytes | str) -> Any:
    """`json.loads` within the bounds above; JSONDecodeError otherwise, whose message starts
    with the pointer to the value refused (``#/data/x: …``)."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"the body is not UTF-8: {exc.reason}", "", 0) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("the body is nested too deeply", text, 0) from None
    except ValueError:  # an integer of more digits than Python reads from text (4,300)
        raise json.JSONDecodeError("an integer is out of range (64 bits)", text, 0) from None
    found = _refusal(value, ())
    if found is not None:
        where, why = found
        raise json.JSONDecodeError(f"{pointer(where)}: {why}", text, 0)
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
