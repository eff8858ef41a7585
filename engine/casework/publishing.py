"""Validating, reviewing and publishing workflow definitions (the API and the pages share
these): a supervisor reviews a draft (what changes, the version it becomes, the cases still
open on each version), then publishes it with a reason; a draft reviewed against a version
that is no longer the latest is refused. Every version keeps who published it, when and why.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import yaml

from engine.casework.context import Casework
from engine.casework.errors import InvalidReasonError, PublishConflictError, StaleDraftError
from engine.casework.identity import User
from engine.casework.permissions import Permission, require
from engine.definition import Definition
from engine.definition_diff import Change, DefinitionDiff, diff
from engine.errors import DefinitionError, Problem, UnknownWorkflowError
from engine.loader import parse_definition
from engine.ports import DuplicateVersionError
from engine.store import audit, queries
from engine.store import definitions as stored
from engine.timer_edit import edit_timer

DRAFT_FILE = "<draft>"
PUBLISHED = "definition_published"
_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.MULTILINE)
#: The longest reason a version may be published with (definitions.reason).
MAX_REASON = 500


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


@dataclass(frozen=True)
class Review:
    """What publishing a draft would do. `definition` is the parsed draft (None with its
    `problems`); `base` the latest published version it is compared with (None for a new
    workflow); `diff` the changes from it; `next_version` the version it would become (the
    latest itself when `unchanged`); `open_cases` the open cases per version of the workflow
    today."""

    source: str
    definition: Definition | None
    problems: list[Problem]
    base: Definition | None = None
    diff: DefinitionDiff | None = None
    next_version: int | None = None
    unchanged: bool = False
    open_cases: dict[int, int] = field(default_factory=dict)

    @property
    def based_on(self) -> int:
        """The version to publish on (`publish(..., based_on=...)`): 0 for a new workflow."""
        return self.base.version if self.base is not None else 0


@dataclass(frozen=True)
class VersionRecord:
    """A published version: who published it, when, why, and what changed from the
    version before it (`diff.old_version` 0 for the first)."""

    definition: Definition
    published_at: datetime
    published_by: str
    reason: str
    diff: DefinitionDiff

    @property
    def version(self) -> int:
        return self.definition.version


def review(cw: Casework, user: User, source: str) -> Review:
    """Review a draft before publishing it: its problems, or the version it is based on,
    the changes from it, the version it would become and the open cases per version."""
    require(user, Permission.PUBLISH_DEFINITION)
    checked = validate(source)
    draft = checked.definition
    if draft is None:
        return Review(source, None, checked.problems)
    base = _latest(cw, draft.name)
    unchanged = base is not None and content_key(base.source) == content_key(source)
    next_version = 1 if base is None else base.version + (0 if unchanged else 1)
    changes = diff(base, draft)
    if not unchanged and base is not None and changes.empty:
        # Content that differs in what the comparison does not name (help texts, value labels).
        other = Change(
            "workflow",
            "changed",
            draft.name,
            f"流程 {draft.name} 的其他内容有改动",
            f"workflow {draft.name}: other content changed",
        )
        changes = replace(changes, changes=(other,))
    with cw.store.transaction(write=False) as tx:
        open_cases = queries.open_cases_by_version(tx, draft.name)
    return Review(
        source,
        draft,
        [],
        base,
        replace(changes, new_version=next_version),
        next_version,
        unchanged,
        open_cases,
    )


def draft_timer_change(
    cw: Casework,
    user: User,
    name: str,
    state: str,
    timer: str,
    *,
    after: str | None = None,
    remind_at: float | None = None,
    notify: tuple[str, ...] | None = None,
) -> Review:
    """A draft of the latest version of `name` with one timer changed (engine.timer_edit),
    reviewed like any draft; publish its `source` to apply it. UnknownTimerError when the
    state has no such timer, DefinitionError when a value is bad."""
    require(user, Permission.PUBLISH_DEFINITION)
    latest = cw.registry.latest(name)
    source = edit_timer(
        latest.source, state, timer, after=after, remind_at=remind_at, notify=notify
    )
    return review(cw, user, source)


def history(cw: Casework, user: User, name: str) -> list[VersionRecord]:
    """Every published version of `name`, newest first, with who published it, when, why
    and its changes from the version before. The store gives the publications; the
    definitions are the registry's (each version parsed once, then kept)."""
    require(user, Permission.READ_DEFINITIONS)
    with cw.store.transaction(write=False) as tx:
        rows = stored.versions(tx, name)
    if not rows:
        cw.registry.latest(name)  # UnknownWorkflowError for a name never published
    defined = [cw.registry.get(name, row.version) for row in rows]
    records = []
    for i, row in enumerate(rows):
        previous = defined[i + 1] if i + 1 < len(rows) else _version(cw, name, row.version)
        records.append(
            VersionRecord(
                defined[i],
                row.published_at,
                row.published_by,
                row.reason,
                diff(previous, defined[i]),
            )
        )
    return records


def compare(cw: Casework, user: User, name: str, old: int, new: int) -> DefinitionDiff:
    """The changes from version `old` of `name` to version `new` (UnknownWorkflowError when
    either is not published)."""
    require(user, Permission.READ_DEFINITIONS)
    return diff(cw.registry.get(name, old), cw.registry.get(name, new))


def publish(cw: Casework, user: User, source: str, *, reason: str, based_on: int) -> Published:
    """Publish a reviewed draft: `based_on` is the latest version the reviewer saw (0 for a
    new workflow) and StaleDraftError refuses the draft when another version was published
    since; `reason` (1 to MAX_REASON characters) is kept with the version and in the audit
    entry, written in the same transaction. Unchanged content answers the latest version;
    changed content becomes version latest + 1 (1 for a new workflow). Running cases stay
    on their version; every process sees the new one at once (engine.registry)."""
    require(user, Permission.PUBLISH_DEFINITION)
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidReasonError(MAX_REASON)
    draft = parse_definition(source, file=DRAFT_FILE)
    latest = _latest(cw, draft.name)
    current = latest.version if latest is not None else 0
    if current != based_on:
        raise StaleDraftError(draft.name, based_on, current)
    if latest is not None and content_key(latest.source) == content_key(source):
        return Published(latest, False)
    version = current + 1
    text = with_version(source, version)
    definition = parse_definition(text, file=f"{draft.name}@v{version}")
    at = cw.clock.now()
    try:
        with cw.store.transaction() as tx:
            stored.save(tx, definition, user.username, at, why)
            audit.record(
                tx,
                at=at,
                username=user.username,
                action=PUBLISHED,
                reason=f"{definition.name} v{definition.version}: {why}",
            )
    except DuplicateVersionError as exc:
        raise PublishConflictError(definition.name, version) from exc
    cw.registry.add(definition)
    return Published(definition, True)


def _latest(cw: Casework, name: str) -> Definition | None:
    try:
        return cw.registry.latest(name)
    except UnknownWorkflowError:
        return None


def _version(cw: Casework, name: str, version: int) -> Definition | None:
    """The version before `version` when the database lacks it (a registry given
    definitions the database never stored); None before version 1."""
    if version <= 1:
        return None
    try:
        return cw.registry.get(name, version - 1)
    except UnknownWorkflowError:
        return None
