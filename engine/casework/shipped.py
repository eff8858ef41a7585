"""The shipped definition files this process left out when it started, and why."""

from __future__ import annotations

from engine.casework.context import Casework
from engine.errors import Problem


def definition_problems(cw: Casework) -> list[Problem]:
    """Each problem of a shipped file left out at start (file, line, what to do): kept from
    the start, so asking costs nothing (the health check asks it on every call)."""
    return list(cw.definition_problems)
