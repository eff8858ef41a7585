"""Path and header parameters a hot route reads itself, validated and documented as FastAPI
would.

FastAPI extracts declared parameters through generic machinery that inspects each parameter's
type on every request; for the firing route that was ~90 µs of ~700 µs of server CPU
(docs/PERFORMANCE.md, "HTTP"). A `ParamSet` validates the same pydantic types in a few
microseconds, raises the same RequestValidationError (so the same 422 problem document, with
the same field paths), and gives the OpenAPI parameters to declare on the route with
`openapi_extra`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

Where = Literal["path", "header"]


@dataclass(frozen=True)
class Param:
    """One parameter: its name (a header's as sent), where it is, its type with constraints."""

    name: str
    where: Where
    type: Any
    description: str = ""
    required: bool = True


class ParamSet:
    """The parameters of one route, read from a request in the order given."""

    def __init__(self, *params: Param) -> None:
        self.params = params
        self._adapters = [TypeAdapter(p.type) for p in params]
        self._lookup = [p.name.lower() if p.where == "header" else p.name for p in params]

    def openapi(self) -> dict[str, Any]:
        """`openapi_extra` for the route: the parameters as FastAPI declares its own."""
        out = []
        for p, adapter in zip(self.params, self._adapters, strict=True):
            schema = {**adapter.json_schema(), "title": _title(p)}
            if p.description:
                schema["description"] = p.description
            entry: dict[str, Any] = {
                "name": p.name,
                "in": p.where,
                "required": p.required,
                "schema": schema,
            }
            if p.description:
                entry["description"] = p.description
            out.append(entry)
        return {"parameters": out}

    def read(self, request: Request) -> tuple[Any, ...]:
        """The parameters' values (None for an absent optional one); a 422 listing every
        parameter that is missing or does not fit."""
        values: list[Any] = []
        errors: list[dict[str, Any]] = []
        path, headers = request.path_params, request.headers
        for p, adapter, key in zip(self.params, self._adapters, self._lookup, strict=True):
            raw = path.get(key) if p.where == "path" else headers.get(key)
            if raw is None:
                values.append(None)
                if p.required:
                    errors.append(
                        {"type": "missing", "loc": (p.where, p.name), "msg": "Field required"}
                    )
                continue
            try:
                values.append(adapter.validate_python(raw))
            except ValidationError as exc:
                values.append(None)
                errors.extend(
                    {**e, "loc": (p.where, p.name, *e["loc"])}
                    for e in exc.errors(include_url=False)
                )
        if errors:
            raise RequestValidationError(errors)
        return tuple(values)


def _title(p: Param) -> str:
    return p.name if p.where == "header" else p.name.replace("_", " ").title()
