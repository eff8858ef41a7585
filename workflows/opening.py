"""Opening the use-case layer in a flow run's own process, by a factory named in the flow's
parameters (``module:function``): the worker is told how to connect by the composition root
that serves it, without importing it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from engine.casework.context import Casework


def open_casework(opener: str) -> Casework:
    """Call the factory `opener` names (``package.module:function``) and return its
    Casework; ValueError for a name that is not of that form or not such a factory."""
    module_name, _, attr = opener.partition(":")
    if not module_name or not attr:
        raise ValueError(f"opener {opener!r}: expected 'module:function'")
    factory: Callable[[], object] = getattr(importlib.import_module(module_name), attr)
    cw = factory()
    if not isinstance(cw, Casework):
        raise ValueError(f"opener {opener!r} returned {type(cw).__name__}, not a Casework")
    return cw
