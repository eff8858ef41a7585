"""Validating and publishing workflow definitions (used by the API and the pages)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError

from api.problems import ProblemError
from engine.definition import Definition
from engine.errors import DefinitionError, Problem, UnknownWorkflowError
from engine.loader import parse_definition
from engine.store import definitions as stored
from fengqiao.context import Context

DRAFT_FILE = "<draft>"
_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Validation:
    definition: Definition | None
    problems: list[Problem]


@dataclass(frozen=True)
class Published:
    definition: Definition
    created: bool


def validate(source: str) -> Validation:
    try:
        return Validation(parse_definition(source, file=DRAFT_FILE), [])
    except DefinitionError as exc:
        return Validation(None, exc.problems)


def content_key(source: str) -> str:
    """A hash of the definition's content, its version number left out."""
    data: Any = yaml.safe_load(source)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "version"}
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def with_version(source: str, version: int) -> str:
    """The source with its top-level ``version:`` set to `version`."""
    return _VERSION_LINE.sub(f"version: {version}", source, count=1)


def refresh_registry(ctx: Context) -> None:
    """Add versions another process published to this process's registry."""
    for d in stored.published(ctx.store):
        if d.key not in ctx.registry:
            ctx.registry.add(d)


def publish(ctx: Context, source: str, by: str) -> Published:
    """Publish a draft: unchanged content answers the latest version; changed content becomes
    version latest + 1 (1 for a new workflow). Running cases stay on their version."""
    draft = parse_definition(source, file=DRAFT_FILE)
    refresh_registry(ctx)
    try:
        latest: Definition | None = ctx.registry.latest(draft.name)
    except UnknownWorkflowError:
        latest = None
    if latest is not None and content_key(latest.source) == content_key(source):
        return Published(latest, False)
    version = latest.version + 1 if latest is not None else 1
    text = with_version(source, version)
    definition = parse_definition(text, file=f"{draft.name}@v{version}")
    try:
        stored.save(ctx.store, definition, by, ctx.clock.now())
    except IntegrityError as exc:
        raise ProblemError(
            409,
            "conflict",
            "Someone published this workflow at the same moment",
            f"{definition.name} v{version} exists already; reload and publish again",
        ) from exc
    ctx.registry.add(definition)
    return Published(definition, True)
