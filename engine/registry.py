"""The definitions a running engine knows, by name and version."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from engine.definition import Definition
from engine.errors import DefinitionError, UnknownWorkflowError
from engine.loader import did_you_mean
from engine.shipped import read_shipped


class DefinitionSource(Protocol):
    """Where published versions live (the database): asked when a version is not known here
    yet, so a version another process published is usable at once in this one."""

    def newer(self, name: str, version: int) -> list[Definition]:
        """The versions of workflow `name` newer than `version`, oldest first."""
        ...

    def latest_version(self, name: str) -> int:
        """The newest published version of `name`; 0 when there is none."""
        ...

    def names(self) -> list[str]:
        """Every published workflow's name."""
        ...


class Registry:
    """Every loaded version of every workflow; a case keeps the version it opened on.

    With a `source`, a version not known here is loaded from it on first use, and the latest
    version is asked of it each time (one small query): a version published by another
    process is used at once.
    """

    def __init__(
        self, definitions: Iterable[Definition] = (), source: DefinitionSource | None = None
    ) -> None:
        self._by_key: dict[tuple[str, int], Definition] = {}
        self._source = source
        self._lock = threading.Lock()
        for d in definitions:
            self.add(d)

    def add(self, definition: Definition) -> None:
        with self._lock:
            existing = self._by_key.get(definition.key)
            if existing is not None and existing.content_hash != definition.content_hash:
                raise ValueError(
                    f"{definition.name} v{definition.version} is already registered"
                    " with other content"
                )
            self._by_key[definition.key] = definition

    def get(self, name: str, version: int | None = None) -> Definition:
        if version is None:
            return self.latest(name)
        d = self._by_key.get((name, version))
        if d is None and self._source is not None:
            self._load_newer(name)
            d = self._by_key.get((name, version))
        if d is None:
            raise UnknownWorkflowError(name, version)
        return d

    def latest(self, name: str) -> Definition:
        known = self._known_latest(name)
        if self._source is not None:
            newest = self._source.latest_version(name)
            if known is None or newest > known.version:
                self._load_newer(name)
                known = self._known_latest(name)
        if known is None:
            raise UnknownWorkflowError(name, hint=did_you_mean(name, self.names()))
        return known

    def refresh(self) -> None:
        """Load every version the source has and this registry lacks."""
        if self._source is not None:
            for name in self._source.names():
                self._load_newer(name)

    def _known_latest(self, name: str) -> Definition | None:
        versions = [d for (n, _), d in self._by_key.items() if n == name]
        return max(versions, key=lambda d: d.version) if versions else None

    def _load_newer(self, name: str) -> None:
        assert self._source is not None
        known = self._known_latest(name)
        for d in self._source.newer(name, known.version if known else 0):
            self.add(d)

    def names(self) -> list[str]:
        return sorted({n for n, _ in self._by_key})

    def versions(self, name: str) -> list[Definition]:
        return sorted(
            (d for (n, _), d in self._by_key.items() if n == name), key=lambda d: d.version
        )

    def all_latest(self) -> list[Definition]:
        """Every workflow at its latest version: the source asked once for what it has
        beyond what is known here, not once per workflow."""
        self.refresh()
        found = (self._known_latest(n) for n in self.names())
        return [d for d in found if d is not None]

    def __contains__(self, key: tuple[str, int]) -> bool:
        return key in self._by_key


def load_directory(path: str | Path) -> list[Definition]:
    """Load every *.yaml in a folder, or raise DefinitionError with every problem of every
    file (engine.shipped.read_shipped leaves the bad files out instead)."""
    found = read_shipped(path)
    if found.problems:
        raise DefinitionError(found.problems)
    return found.definitions
