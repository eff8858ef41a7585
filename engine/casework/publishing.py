"""Validating and publishing workflow definitions (the API and the pages share these)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from engine.casework.context import Casework
from engine.casework.errors import PublishConflictError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.definition import Definition
from engine.errors import DefinitionError, Problem, UnknownWorkflowError
from engine.loader import parse_definition
from engine.ports import DuplicateVersionError
from engine.store import audit
from engine.store import definitions as stored

DRAFT_FILE = "<draft>"
PUBLISHED = "definition_published"
_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Validation:
    definition: Definition | None
    problems: list[Problem]


@dataclass(frozen=True)
class Published:
    definition: Definition
    created: bool


def check_draft(user: User, source: str) -> Validation:
    """Validate a draft for someone who may publish (the editor checks as they type)."""
    require(user, Permission.PUBLISH_DEFINITION)
    return validate(source)


def latest_definitions(cw: Casework) -> list[Definition]:
    """Every workflow at its latest version, those other processes published included."""
    return cw.registry.all_latest()


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


def publish(cw: Casework, user: User, source: str) -> Published:
    """Publish a draft: unchanged content answers the latest version; changed content becomes
    version latest + 1 (1 for a new workflow), audited in the same transaction. Running cases
    stay on their version; every process sees the new one at once (engine.registry)."""
    require(user, Permission.PUBLISH_DEFINITION)
    draft = parse_definition(source, file=DRAFT_FILE)
    try:
        latest: Definition | None = cw.registry.latest(draft.name)
    except UnknownWorkflowError:
        latest = None
    if latest is not None and content_key(latest.source) == content_key(source):
        return Published(latest, False)
    version = latest.version + 1 if latest is not None else 1
    text = with_version(source, version)
    definition = parse_definition(text, file=f"{draft.name}@v{version}")
    at = cw.clock.now()
    try:
        with cw.store.transaction() as tx:
            stored.save(tx, definition, user.username, at)
            audit.record(
                tx,
                at=at,
                username=user.username,
                action=PUBLISHED,
                reason=f"{definition.name} v{definition.version}",
            )
    except DuplicateVersionError as exc:
        raise PublishConflictError(definition.name, version) from exc
    cw.registry.add(definition)
    return Published(definition, True)
