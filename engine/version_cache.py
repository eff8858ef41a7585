"""Things built once per definition version and shared afterwards (machines, plans)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from engine.definition import Definition

T = TypeVar("T")


class PerVersion(Generic[T]):
    """`build(definition)` on first use for each (name, version, content hash), then the same
    object; safe across threads (built once even when two ask at the same time)."""

    def __init__(self, build: Callable[[Definition], T]) -> None:
        self._build = build
        self._cache: dict[tuple[str, int, str], T] = {}
        self._lock = threading.Lock()

    def __call__(self, definition: Definition) -> T:
        key = (definition.name, definition.version, definition.content_hash)
        found = self._cache.get(key)
        if found is None:
            with self._lock:
                found = self._cache.get(key)
                if found is None:
                    found = self._cache[key] = self._build(definition)
        return found
