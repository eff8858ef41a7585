"""Deadlines that keep running through the states a case waits in (`keep_through`).

A grid case in handling may ask for more time; while the request waits for a decision
(state ``extension_requested``) the handling deadline keeps running. The timer says so:

    handling_deadline: {…, at_field: handling_due, keep_through: [extension_requested]}

- **Into a waiting state.** Asking is refused once the deadline has passed (or was missed
  and not met): a request to extend comes before the deadline. Otherwise the deadline (and
  its reminder, if still to come) is armed again in the waiting state, at the same moment,
  with the same action: if nobody decides in time it fires there.
- **Back from it.** An action that writes the timer's `at_field` (an approval setting a new
  deadline) must name a moment in the future and beyond the running deadline. Any other
  way back (a denial) keeps the running deadline: the period does not restart. The
  deadline's own action (it fired while the request waited) arms a fresh period, as it
  does from the timer's own state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.definition import Definition, TimerDef
from engine.errors import DeadlineError
from engine.model import DEADLINE, Case, Timer
from engine.ports import Transaction
from engine.timers import as_moment

MISSED = ("skipped", "failed")


@dataclass(frozen=True, slots=True)
class Kept:
    """What a firing does with the deadlines kept through its states: the timers to arm in
    the state it enters (without their sequence yet), and the names of that state's own
    timers they replace."""

    timers: tuple[Timer, ...] = ()
    replaces: frozenset[str] = frozenset()

    def armed(self, seq: int) -> list[Timer]:
        return [
            Timer(t.case_id, t.name, t.kind, t.fire_at, seq, action=t.action) for t in self.timers
        ]


NOTHING = Kept()


def kept_through(
    tx: Transaction,
    definition: Definition,
    case: Case,
    dest: str,
    action: str,
    written: Mapping[str, Any],
    now: datetime,
    tz: str,
) -> Kept:
    """Check `action` (from the case's state to `dest`, writing `written`) against the
    deadlines kept through either state, and say which to carry; raise DeadlineError."""
    source = case.state
    if source == dest:
        return NOTHING
    into = [t for t in _timers(definition, source) if dest in t.keep_through]
    back = [t for t in _timers(definition, dest) if source in t.keep_through]
    if not into and not back:
        return NOTHING
    stay = [t for t in tx.timers(case.id, pending_only=False) if t.armed_seq == case.entered_seq]
    carried: list[Timer] = []
    replaces: set[str] = set()
    for tdef in into:
        mine = [t for t in stay if t.name == tdef.name]
        missed = [t for t in mine if t.kind == DEADLINE and t.status in MISSED]
        late = [
            t for t in mine if t.kind == DEADLINE and t.status == "pending" and t.fire_at <= now
        ]
        if missed or late:
            when = (missed or late)[0].fire_at.isoformat()
            raise DeadlineError(
                action, tdef.name, f"{tdef.name} passed at {when}: ask before the deadline"
            )
        carried += [t for t in mine if t.status == "pending"]
    for tdef in back:
        running = [t for t in stay if t.name == tdef.name and t.status == "pending"]
        deadline = next((t for t in running if t.kind == DEADLINE), None)
        if deadline is None or action == tdef.action:
            continue
        new = as_moment(written.get(tdef.at_field), tz) if tdef.at_field else None
        if new is not None:
            if new <= now:
                raise DeadlineError(
                    action, tdef.name, f"the new deadline {new.isoformat()} is past"
                )
            if new <= deadline.fire_at:
                raise DeadlineError(
                    action,
                    tdef.name,
                    f"the new deadline {new.isoformat()} is not beyond the running one"
                    f" ({deadline.fire_at.isoformat()})",
                )
            continue
        carried += running
        replaces.add(tdef.name)
    return Kept(tuple(carried), frozenset(replaces)) if carried or replaces else NOTHING


def _timers(definition: Definition, state: str) -> tuple[TimerDef, ...]:
    st = definition.states.get(state)
    return st.timers if st is not None else ()
