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


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MAX_KEYS:
        raise _Refused(f"an object has {len(pairs)} keys; at most {MAX_KEYS} are accepted")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows: send a finite number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text} is too large for a number: send a finite number")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {len(text)} digits is out of range (64 bits)")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise _Refused(f"{text} is out of range (64-bit integers)")
    return value


_decoder = json.JSONDecoder(
    object_pairs_hook=_object, parse_constant=_constant, parse_float=_float, parse_int=_int
)


def loads(body: bytes | str) -> Any:
    """`json.loads` within the bounds above; JSONDecodeError otherwise."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        return _decoder.decode(text)
    except _Refused as exc:
        raise json.JSONDecodeError(str(exc), text, 0) from None
    except RecursionError:
        raise json.JSONDecodeError("the body is nested too deeply", text, 0) from None
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError(f"the body is not UTF-8: {exc.reason}", "", 0) from None


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
