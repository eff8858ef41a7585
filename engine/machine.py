"""One cached `transitions` Machine per definition version, fired on plain case objects.

The Machine is built from the definition's states and transitions (no callbacks, no
conditions: guards and effects are the service's). `next_state` answers from the Machine's
own transition table, read once when the machine is built; triggering an event on a token
per firing gave the same answer for ~10 µs of dispatch and logging each time (tight loop)
(docs/PERFORMANCE.md, "Engine"). `fire` still triggers the Machine on a model.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine, MachineError

from engine.definition import Definition
from engine.version_cache import PerVersion


class _Token:
    """The smallest model `transitions` can move: only a state attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class WorkflowMachine:
    """A definition's state graph, compiled once and shared by every case on that version."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        specs: list[dict[str, Any]] = []
        for t in definition.transitions:
            for source in t.sources:
                internal = t.internal and t.dest == source
                specs.append(
                    {"trigger": t.action, "source": source, "dest": None if internal else t.dest}
                )
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=specs,
            initial=definition.initial,
            auto_transitions=False,
            send_event=False,
        )
        self._events = self._machine.events
        # (state, action) -> the state after: internal transitions (dest None) stay put.
        self._next: dict[tuple[str, str], str] = {}
        for action, event in self._events.items():
            for source, moves in event.transitions.items():
                dest = moves[0].dest
                self._next[(source, action)] = source if dest is None else dest

    def next_state(self, state: str, action: str) -> str:
        """The state a case in `state` moves to when `action` fires (raises on an invalid one)."""
        dest = self._next.get((state, action))
        if dest is not None:
            return dest
        if action not in self._events:
            raise MachineError(f"no action {action!r}")
        return self.fire(state, action)  # lets the Machine word the error

    def fire(self, state: str, action: str) -> str:
        """Trigger `action` on a model in `state` through the Machine itself."""
        token = _Token(state)
        event = self._events.get(action)
        if event is None:
            raise MachineError(f"no action {action!r}")
        event.trigger(token)
        return token.state


# The Machine of a definition version, built on first use and shared afterwards.
machine_for = PerVersion(WorkflowMachine)
