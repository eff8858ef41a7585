"""Built once per definition version, shared afterwards, also across threads."""

from __future__ import annotations

import threading
from dataclasses import replace

from engine.definition import Definition
from engine.version_cache import PerVersion


def test_built_once_per_version_and_content(shipped: list[Definition]) -> None:
    built: list[tuple[str, int]] = []

    def build(d: Definition) -> tuple[str, int]:
        built.append((d.name, d.version))
        return (d.name, d.version)

    cached = PerVersion(build)
    d = shipped[0]
    assert cached(d) is cached(d)
    edited = replace(d, content_hash=d.content_hash + "x")
    assert cached(edited) == cached(d) and len(built) == 2  # new content: built again


def test_two_threads_asking_at_once_share_one_build(shipped: list[Definition]) -> None:
    gate = threading.Barrier(8)
    built: list[object] = []

    def build(d: Definition) -> object:
        built.append(object())
        return built[-1]

    cached = PerVersion(build)
    d = shipped[0]
    results: list[object] = []

    def ask() -> None:
        gate.wait()
        results.append(cached(d))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(r is built[0] for r in results)
