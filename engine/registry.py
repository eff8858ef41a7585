"""The definitions a running engine knows, by name and version."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.definition import Definition
from engine.errors import DefinitionError, UnknownWorkflowError
from engine.loader import did_you_mean, load_definition


class Registry:
    """Every loaded version of every workflow; a case keeps the version it opened on."""

    def __init__(self, definitions: Iterable[Definition] = ()) -> None:
        self._by_key: dict[tuple[str, int], Definition] = {}
        for d in definitions:
            self.add(d)

    def add(self, definition: Definition) -> None:
        existing = self._by_key.get(definition.key)
        if existing is not None and existing.content_hash != definition.content_hash:
            raise ValueError(
                f"{definition.name} v{definition.version} is already registered with other content"
            )
        self._by_key[definition.key] = definition

    def get(self, name: str, version: int | None = None) -> Definition:
        if version is None:
            return self.latest(name)
        d = self._by_key.get((name, version))
        if d is None:
            raise UnknownWorkflowError(name, version)
        return d

    def latest(self, name: str) -> Definition:
        versions = [d for (n, _), d in self._by_key.items() if n == name]
        if not versions:
            raise UnknownWorkflowError(name, hint=did_you_mean(name, self.names()))
        return max(versions, key=lambda d: d.version)

    def names(self) -> list[str]:
        return sorted({n for n, _ in self._by_key})

    def versions(self, name: str) -> list[Definition]:
        return sorted(
            (d for (n, _), d in self._by_key.items() if n == name), key=lambda d: d.version
        )

    def all_latest(self) -> list[Definition]:
        return [self.latest(n) for n in self.names()]

    def __contains__(self, key: tuple[str, int]) -> bool:
        return key in self._by_key


def load_directory(path: str | Path) -> list[Definition]:
    """Load every *.yaml in a folder; every problem of every file is reported together."""
    definitions = []
    problems = []
    for p in sorted(Path(path).glob("*.yaml")):
        try:
            definitions.append(load_definition(p))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DefinitionError(problems)
    return definitions
