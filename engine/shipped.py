"""The shipped definition files, read and compared with the published versions.

One bad file never stops the others: a file that does not load, or whose version clashes
with a published one, is left out with its problems (file, line, what to do), and every
other file is used. The comparison is plain data in, problems out: the store runs it inside
its transaction when a process starts, and `fengqiao validate` runs it read-only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.definition import Definition
from engine.errors import DefinitionError, Problem
from engine.loader import load_definition

_VERSION_VALUE = re.compile(r"^version:[ \t]*", re.MULTILINE)
SHIPPED_BY = "shipped"  # published_by of a version published from a shipped file


@dataclass(frozen=True, slots=True)
class ShippedFiles:
    """What a folder of definition files holds: the definitions that loaded, and the
    problems of those that did not."""

    definitions: list[Definition]
    problems: list[Problem]


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """What the comparison needs of one published version."""

    content_hash: str
    published_by: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Comparison:
    """The shipped definitions to publish, and the problems of those left out."""

    to_publish: list[Definition]
    problems: list[Problem]


def read_shipped(path: str | Path) -> ShippedFiles:
    """Load every *.yaml in a folder; a file that fails is left out with its problems."""
    definitions = []
    problems = []
    for p in sorted(Path(path).glob("*.yaml")):
        try:
            definitions.append(load_definition(p))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    return ShippedFiles(definitions, problems)


def compare(
    shipped: list[Definition], published: Mapping[tuple[str, int], PublishedVersion]
) -> Comparison:
    """Which shipped definitions are new, and which clash with a published version.

    Unchanged (same name, version and content): nothing to do. A version not published yet
    and newer than the latest: to publish. The same version with other content (the file
    was edited without raising its version, or that version was published through the API),
    or a version older than the latest: a problem on the file's `version:` line saying which
    version to raise it to.
    """
    latest: dict[str, int] = {}
    for name, version in published:
        latest[name] = max(version, latest.get(name, 0))
    to_publish = []
    problems = []
    for d in shipped:
        problem = clash(d, published.get(d.key), latest.get(d.name, 0))
        if problem is not None:
            problems.append(problem)
        elif d.key not in published:
            to_publish.append(d)
    return Comparison(to_publish, problems)


def clash(definition: Definition, stored: PublishedVersion | None, latest: int) -> Problem | None:
    """The problem of one shipped definition against its published version (`stored`, None
    when that version is not published) and the latest published version of its workflow."""
    d = definition
    if stored is not None:
        if stored.content_hash == d.content_hash:
            return None
        on = f"{stored.published_at:%Y-%m-%d}"
        if stored.published_by == SHIPPED_BY:
            what = (
                f"{d.name} v{d.version} was published from this file on {on} with other"
                " content: the file changed without raising its version"
            )
        else:
            what = (
                f"{d.name} v{d.version} was published by {stored.published_by} on {on}"
                " (API or editor) with other content than this file"
            )
    elif d.version < latest:
        what = f"{d.name} v{latest} is published already; v{d.version} would never be used"
    else:
        return None
    line, col = version_position(d.source)
    return Problem(
        d.path,
        line,
        col,
        "version",
        f"{what}. This file is left out: cases keep their versions, new cases open on v{latest}",
        f"raise `version` to {latest + 1}",
    )


def version_position(source: str) -> tuple[int, int]:
    """Line and column (from 1) of the value of the top-level ``version:`` key."""
    found = _VERSION_VALUE.search(source)
    if found is None:
        return 1, 1
    line = source.count("\n", 0, found.end()) + 1
    col = found.end() - (source.rfind("\n", 0, found.end()) + 1) + 1
    return line, col
