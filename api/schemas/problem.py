"""The problem document (RFC 9457) as an OpenAPI schema and response declarations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"

HTTP_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
}


class FieldError(BaseModel):
    pointer: str = Field(description="JSON pointer to the offending value, e.g. #/data/category")
    detail: str


class ProblemOut(BaseModel):
    """An RFC 9457 problem; extension members vary by `type`."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/guard-failed",
                    "title": "A condition of the action does not hold",
                    "status": 422,
                    "detail": "guard of 'register' failed: notice_given == true and not refused",
                    "guard": "notice_given == true and not refused",
                }
            ]
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses answered with a problem document, for `responses=`."""
    return {
        code: {
            "description": HTTP_TITLES.get(code, "Error"),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
        }
        for code in codes
    }


def problem_schemas() -> dict[str, Any]:
    """The component schemas the problem responses refer to."""
    schema = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"Problem": schema, **defs}
