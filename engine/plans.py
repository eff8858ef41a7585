"""What firing an action needs to know about a definition, worked out once per version.

For each (state, action) an ActionPlan holds the transition, its destination (asked of the
definition's `transitions` Machine once, not per firing), the timers that leaving the state
makes stale and entering the destination arms, whether the destination is final, and the
effects with the checks of the fields they write, and the check of the fields the action
accepts. The field checks, the opening check and the opening defaults are compiled with them.
A firing then looks its plan up by key instead of walking the definition.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from engine.definition import Definition, PointsEffect, TimerDef, TransitionDef
from engine.expressions import Expression
from engine.machine import machine_for
from engine.validation import DataCheck, FieldCheck
from engine.version_cache import PerVersion

_IMMUTABLE = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """Everything a firing of one action from one state needs, precomputed."""

    transition: TransitionDef
    source: str
    dest: str
    reenter: bool  # entering the destination anew: timers re-armed, entry moment reset
    leaves_timers: bool  # the source state's pending timers become stale
    arms: tuple[TimerDef, ...]  # armed on entering the destination
    final: bool
    effects: tuple[tuple[str, Expression, FieldCheck | None], ...]
    needs_scope: bool  # a guard or an effect reads the case's data
    check: DataCheck  # the input: only the fields the action accepts, each of its type
    points: tuple[PointsEffect, ...]  # the ledger entries the firing writes (engine.points)


class DefinitionPlan:
    """A definition with its per-(state, action) plans, field checks and defaults."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        check = DataCheck(definition.fields)
        # A running case's data against the fields (migrating it to another version).
        self.check_fields = check
        # What a new case may be opened with.
        self.check_opening = check.only(definition.opening_accepts, "opening a case")
        self.tracks_assignee = "assignee" in definition.fields
        # The timers of the whole case (engine.case_timers), looked at by every firing.
        self.case_timers = definition.timers
        self._defaults = [
            (name, f.default, not isinstance(f.default, _IMMUTABLE))
            for name, f in definition.fields.items()
            if f.default is not None
        ]
        machine = machine_for(definition)
        states = definition.states
        plans: dict[tuple[str, str], ActionPlan] = {}
        # States some deadline keeps running in: leaving one cancels what it carries.
        keeps = {s for st in states.values() for tm in st.timers for s in tm.keep_through}
        for t in definition.transitions:
            accepted = check.only(t.accepts, f"action {t.action!r}")
            for source in t.sources:
                dest = machine.next_state(source, t.action)
                reenter = not t.internal
                plans[(source, t.action)] = ActionPlan(
                    transition=t,
                    source=source,
                    dest=dest,
                    reenter=reenter,
                    leaves_timers=reenter and (bool(states[source].timers) or source in keeps),
                    arms=states[dest].timers if reenter else (),
                    final=states[dest].final,
                    effects=tuple((name, expr, check.checks.get(name)) for name, expr in t.sets),
                    needs_scope=t.guard is not None or bool(t.sets),
                    check=accepted,
                    points=t.points,
                )
        self._plans = plans

    def plan(self, state: str, action: str) -> ActionPlan | None:
        return self._plans.get((state, action))

    def defaults(self) -> dict[str, Any]:
        """The fields' default values, fresh for a new case (mutable ones copied)."""
        return {
            name: copy.deepcopy(value) if mutable else value
            for name, value, mutable in self._defaults
        }

    def entry_timers(self, state: str) -> tuple[TimerDef, ...]:
        return self.definition.states[state].timers


# The plan of a definition version, built on first use and shared afterwards.
plan_for = PerVersion(DefinitionPlan)
