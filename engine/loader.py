"""Load and validate a workflow definition from YAML, locating every problem by line and column.

The rules are listed in definitions/README.md; every problem found is reported at once, sorted
by position, each as ``file:line:col: key: message (hint)``. The work is bounded before it
starts: a source over MAX_SOURCE characters is refused unread, and composing the YAML refuses
anchors, aliases, deep nesting and too many entries (engine.yaml_reader.compose_bounded).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.definition import (
    CASE_TIMERS,
    KNOWN_ROLES,
    SYSTEM_ROLE,
    Definition,
    FieldDef,
    StateDef,
    TimerAfter,
    TimerDef,
    TransitionDef,
)
from engine.definition_reader import NAME_RE, NAME_RULE, DefinitionReader, check_value
from engine.durations import DurationError
from engine.errors import DefinitionError, Problem
from engine.expression_check import TypeChecker
from engine.expressions import Expression
from engine.points_reader import read_points
from engine.recurrence import MAX_OCCURRENCES, Every, parse_every
from engine.reserved import ENGINE_OWNED
from engine.task_reader import Edge, read_tasks
from engine.yaml_reader import (
    MAX_PROBLEMS,
    TooManyProblems,
    YAMLLimitError,
    compose_bounded,
    did_you_mean,
    plain_data,
)

__all__ = ["MAX_SOURCE", "check_value", "did_you_mean", "load_definition", "parse_definition"]

#: Characters of a definition's source (the shipped ones have fewer than 25,000).
MAX_SOURCE = 256 * 1024

TOP_KEYS = (
    "name",
    "version",
    "title",
    "description",
    "initial",
    "owner_roles",
    "opening",
    "fields",
    "tiers",
    "timers",
    "states",
    "transitions",
)
TOP_REQUIRED = ("name", "version", "title", "initial", "states", "transitions")
STATE_KEYS = ("label", "roles", "final", "timers", "tasks")
TIMER_KEYS = (
    "name",
    "after",
    "at_field",
    "action",
    "remind_at",
    "notify",
    "reason",
    "working_days_only",
    "from_field",
    "keep_through",
    "deadline",
    "response",
    "every",
    "until",
    "count",
    "until_state",
)
# Keys a recurring timer (`every:`) cannot have, and why.
NOT_RECURRING = {
    "after": "a recurring timer falls due 'every' period from its start, not 'after' one",
    "at_field": "a recurring timer falls due 'every' period, not at one field's moment",
    "remind_at": "a recurring timer has no reminder: each occurrence is itself the notice",
    "keep_through": "a recurring timer runs only in its own state, or case-level in all",
    "deadline": "a recurring timer is not a deadline: an occurrence falls due, none is missed",
    "response": "a recurring timer cannot be the response deadline, a single deadline",
}
# Keys a case-level timer cannot have, and why.
NOT_CASE_LEVEL = {
    "keep_through": "a case-level timer runs in every state already: no keep_through",
    "response": "a case-level timer cannot be the response deadline, which belongs to a state",
}
TRANSITION_KEYS = (
    "action",
    "label",
    "from",
    "to",
    "roles",
    "requires",
    "guard",
    "guard_message",
    "set",
    "notify",
    "internal",
    "accepts",
    "points",
)
OPENING_KEYS = ("accepts",)


def load_definition(path: str | Path) -> Definition:
    """Read, parse and validate the workflow in `path`; its `name` must equal the file stem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(str(p), 1, 1, "", f"cannot read file: {exc}")]) from exc
    return parse_definition(text, file=str(p), expect_name=p.stem)


def parse_definition(
    text: str,
    file: str = "<definition>",
    *,
    expect_name: str | None = None,
    check_types: bool = True,
) -> Definition:
    """Parse and validate workflow YAML; raise DefinitionError listing every problem.

    `check_types=False` reads a version that is already published: the type check of guards
    and `set:` values (engine.expression_check) judges drafts and files, and a version
    published before a mistake could be caught still runs the cases opened on it (they can be
    moved off it: engine.casework.migration)."""
    return _Loader(text, file, expect_name, check_types).load()


@dataclass
class _RawTransition:
    """A transition's identity and graph edges, read before states so timers can check them."""

    node: MappingNode
    index: int
    key: str
    action: str
    entries: dict[str, tuple[Node, Node]]
    sources: list[tuple[str, Node]]
    dest: str
    roles: tuple[str, ...]

    @property
    def source_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for s, _ in self.sources))


class _Loader(DefinitionReader):
    def __init__(
        self, text: str, file: str, expect_name: str | None, check_types: bool = True
    ) -> None:
        super().__init__(text, file)
        self.expect_name = expect_name
        self.check_types = check_types
        self.state_roles: dict[str, tuple[str, ...]] = {}  # role names as written
        self.timer_names: dict[str, Node] = {}
        self.response_timer: Node | None = None  # the one timer marked `response: true`
        self.graph_complete = True  # False once an edge could not be read: skip graph checks
        self.states_known = True  # False when `states` could not be read
        self.unread_actions: set[str] = set()  # actions of transitions with unknown states
        self.types = TypeChecker({})  # built once the fields and states are read

    # -- the document ----------------------------------------------------------------------
    def load(self) -> Definition:
        if len(self.text) > MAX_SOURCE:
            msg = f"definition too large: {len(self.text):,} characters (at most {MAX_SOURCE:,})"
            raise DefinitionError([self._problem((0, 0), msg)])
        try:
            root = compose_bounded(self.text)
        except YAMLLimitError as exc:
            mark = exc.problem_mark
            pos = (mark.line, mark.column) if mark else (0, 0)
            raise DefinitionError([self._problem(pos, exc.problem or "too large")]) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = (mark.line, mark.column) if mark else (0, 0)
            what = exc.problem or exc.context or "unreadable"
            raise DefinitionError([self._problem(pos, f"YAML syntax error: {what}")]) from exc
        except yaml.YAMLError as exc:  # e.g. a character YAML does not allow
            at = getattr(exc, "position", 0)
            pos = (self.text.count("\n", 0, at), at - (self.text.rfind("\n", 0, at) + 1))
            raise DefinitionError([self._problem(pos, f"YAML error: {exc}")]) from exc
        if root is None:
            raise DefinitionError([self._problem((0, 0), "empty definition")])
        try:
            top = self.mapping(root, "", TOP_KEYS, TOP_REQUIRED)
            definition = self.build(root, top) if top is not None else None
        except TooManyProblems:
            msg = f"{MAX_PROBLEMS} problems found; fix these and check again"
            self.problems.append(self._problem((0, 0), msg))
            definition = None
        if self.problems or definition is None:
            raise DefinitionError(sorted(self.problems, key=lambda p: (p.line, p.col)))
        return definition

    def _problem(self, pos: tuple[int, int], message: str) -> Problem:
        return Problem(self.file, pos[0] + 1, pos[1] + 1, "", message)

    def build(self, root: Node, top: dict[str, tuple[Node, Node]]) -> Definition | None:
        def get(k: str) -> Node | None:
            return top[k][1] if k in top else None

        name = self.workflow_name(n) if (n := get("name")) else None
        version = (
            self.scalar(n, "version", int, "a whole number") if (n := get("version")) else None
        )
        if version is not None and version < 1:
            self.problem(get("version"), "version", f"version must be 1 or more, got {version}")
            version = None
        title = self.label(n, "title") if (n := get("title")) else None
        description = self.label(n, "description") if (n := get("description")) else None
        owner_roles = tuple(r for r in KNOWN_ROLES if r != SYSTEM_ROLE)
        if (n := get("owner_roles")) is not None:
            owner_roles = self.roles(n, "owner_roles")
            if not owner_roles and isinstance(n, SequenceNode) and not n.value:
                self.problem(n, "owner_roles", "no role could open a case: list at least one")
        self.fields = self.build_fields(get("fields"))
        opening_accepts = self.opening(n) if (n := get("opening")) is not None else ()
        tiers = self.build_tiers(get("tiers"))
        state_nodes = self.state_nodes(get("states"))
        raw = self.raw_transitions(get("transitions"), state_nodes)
        states = self.build_states(state_nodes, raw)
        case_timers = self.build_case_timers(get("timers"), raw)
        initial = None
        if (n := get("initial")) is not None:
            initial = self.scalar(n, "initial", str, "a state name")
            if initial is not None and initial not in state_nodes:
                if self.states_known:
                    hint = did_you_mean(initial, state_nodes)
                    msg = f"initial state {initial!r} is not a state"
                    self.problem(n, "initial", msg, hint)
                initial = None
        transitions = self.build_transitions(raw)
        if initial is not None and self.graph_complete:
            self.check_graph(initial, state_nodes, states, raw)
        if self.problems or name is None or version is None or title is None or initial is None:
            return None
        digest = hashlib.sha256(
            json.dumps(plain_data(root), sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        return Definition(
            name=name,
            version=version,
            title=title,
            description=description,
            initial=initial,
            states=states,
            transitions=tuple(transitions),
            fields=self.fields,
            tiers=tiers,
            owner_roles=owner_roles,
            content_hash=digest,
            source=self.text,
            path=self.file,
            opening_accepts=opening_accepts,
            timers=case_timers,
        )

    def opening(self, node: Node) -> tuple[str, ...]:
        m = self.mapping(node, "opening", OPENING_KEYS)
        if m is None or "accepts" not in m:
            return ()
        return self.accepted(m["accepts"][1], "opening.accepts")

    def accepted(self, node: Node, key: str) -> tuple[str, ...]:
        """An `accepts` list: declared fields that input may carry, none owned by the engine."""
        out: list[str] = []
        for fname, fnode in self.string_list(node, key, "a field name"):
            if fname not in self.field_names:
                hint = did_you_mean(fname, sorted(self.field_names))
                self.problem(fnode, key, f"accepts undeclared field {fname!r}", hint)
            elif fname in ENGINE_OWNED:
                msg = f"{fname!r} is written by the engine, never taken from input"
                hint = "an action that sets it on purpose lists it in 'requires'"
                self.problem(fnode, key, msg, hint)
            elif fname in out:
                self.problem(fnode, key, f"{fname!r} is listed twice")
            else:
                out.append(fname)
        return tuple(out)

    def workflow_name(self, node: Node) -> str | None:
        name = self.name(node, "name", "workflow name")
        if name is not None and self.expect_name is not None and name != self.expect_name:
            self.problem(
                node,
                "name",
                f"workflow name {name!r} differs from the file name {self.expect_name!r}",
                f"rename the file to {name}.yaml or set name: {self.expect_name}",
            )
        return name

    # -- states and timers -----------------------------------------------------------------
    def state_nodes(self, node: Node | None) -> dict[str, tuple[Node, Node]]:
        m = self.mapping(node, "states", ()) if node is not None else None
        if m is None:  # reported already: do not report every use of a state as unknown
            self.states_known = self.graph_complete = False
            return {}
        if not m:
            self.problem(node, "states", "a workflow needs at least one state")
        for sname, (knode, vnode) in m.items():
            if not NAME_RE.match(sname):
                self.problem(knode, f"states.{sname}", f"bad state name {sname!r}: {NAME_RULE}")
            roles = _entry(vnode, "roles")
            self.state_roles[sname] = _role_names(roles) if roles is not None else ()
        return m

    def build_states(
        self, nodes: dict[str, tuple[Node, Node]], raw: list[_RawTransition]
    ) -> dict[str, StateDef]:
        out: dict[str, StateDef] = {}
        for sname, (_, vnode) in nodes.items():
            key = f"states.{sname}"
            m = self.mapping(vnode, key, STATE_KEYS, ("label",))
            if m is None or "label" not in m:
                continue
            label = self.label(m["label"][1], f"{key}.label")
            roles = self.roles(m["roles"][1], f"{key}.roles") if "roles" in m else ()
            final = self.flag(m["final"][1], f"{key}.final") if "final" in m else False
            timers: list[TimerDef] = []
            if "timers" in m:
                knode, tnode = m["timers"]
                if final:
                    self.problem(knode, f"{key}.timers", "a final state cannot have timers")
                elif not isinstance(tnode, SequenceNode):
                    self.problem(tnode, f"{key}.timers", "expected a list of timers")
                else:
                    for i, item in enumerate(tnode.value):
                        timer = self.build_timer(item, f"{key}.timers[{i}]", sname, raw)
                        if timer is not None:
                            timers.append(timer)
            tasks = None
            if "tasks" in m:
                knode, tasks_node = m["tasks"]
                if final:
                    self.problem(knode, f"{key}.tasks", "a final state cannot have tasks")
                else:
                    edges = [_edge(self, t) for t in raw if sname in t.source_names]
                    tasks = read_tasks(self, tasks_node, f"{key}.tasks", sname, edges)
            if label is not None:
                out[sname] = StateDef(sname, label, roles, final, tuple(timers), tasks)
        return out

    def build_case_timers(
        self, node: Node | None, raw: list[_RawTransition]
    ) -> tuple[TimerDef, ...]:
        """The workflow's `timers:`: the case's own, whatever its state (engine.case_timers)."""
        if node is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, "timers", "expected a list of timers")
            return ()
        out: list[TimerDef] = []
        for i, item in enumerate(node.value):
            timer = self.build_timer(item, f"timers[{i}]", CASE_TIMERS, raw)
            if timer is not None:
                out.append(timer)
        return tuple(out)

    def build_timer(
        self, node: Node, key: str, state: str, raw: list[_RawTransition]
    ) -> TimerDef | None:
        m = self.mapping(node, key, TIMER_KEYS, ("name",))
        if m is None or "name" not in m:
            return None
        if state == CASE_TIMERS:
            for k, why in NOT_CASE_LEVEL.items():
                if k in m:
                    self.problem(m[k][0], f"{key}.{k}", why)
        every = self.recurrence(m, key, state)
        name = self.name(m["name"][1], f"{key}.name", "timer name")
        if name is not None and name in self.timer_names:
            first = self.timer_names[name].start_mark.line + 1
            msg = f"duplicate timer name {name!r} (first at line {first})"
            self.problem(m["name"][1], f"{key}.name", msg)
        elif name is not None:
            self.timer_names[name] = m["name"][1]
        if "after" not in m and "at_field" not in m and "every" not in m:
            self.problem(node, f"{key}.after", "a timer needs 'after', 'at_field' or 'every'")
        after = TimerAfter()
        if "after" in m:
            after = self.timer_after(m["after"][1], f"{key}.after") or after
        at_field = None
        if "at_field" in m:
            f = self.declared_field(m["at_field"][1], f"{key}.at_field", "at_field")
            if f is not None and f.type not in ("date", "datetime"):
                msg = f"at_field {f.name!r} is a {f.type} field, not a date or datetime"
                self.problem(m["at_field"][1], f"{key}.at_field", msg)
            at_field = f.name if f is not None else None
        from_field = self.moment_field(m, "from_field", key)
        keep_through = self.kept_through(m, key, state) if state != CASE_TIMERS else ()
        action = (
            self.timer_action(m["action"][1], f"{key}.action", state, raw, every is not None)
            if "action" in m
            else None
        )
        remind_at = self.share(m["remind_at"][1], f"{key}.remind_at") if "remind_at" in m else None
        notify = self.roles(m["notify"][1], f"{key}.notify") if "notify" in m else ()
        reason = self.label(m["reason"][1], f"{key}.reason") if "reason" in m else None
        wdo = m.get("working_days_only")
        working_days_only = self.flag(wdo[1], f"{key}.working_days_only") if wdo else False
        if "action" not in m and not notify:
            self.problem(node, key, "a timer needs an 'action' to fire or roles to 'notify'")
        deadline = self.flag(m["deadline"][1], f"{key}.deadline") if "deadline" in m else False
        response = self.flag(m["response"][1], f"{key}.response") if "response" in m else False
        if response and not deadline:
            msg = "a response timer is a deadline: add 'deadline: true'"
            self.problem(m["response"][1], f"{key}.response", msg)
        if response and self.response_timer is not None:
            first = self.response_timer.start_mark.line + 1
            msg = f"only one timer may be the response deadline (the first is at line {first})"
            self.problem(m["response"][1], f"{key}.response", msg)
        elif response:
            self.response_timer = m["response"][1]
        if name is None:
            return None
        until_field = self.moment_field(m, "until", key) if every is not None else None
        count = self.occurrences(m["count"][1], f"{key}.count") if "count" in m else None
        return TimerDef(
            name,
            state,
            after,
            action,
            at_field,
            remind_at,
            notify,
            reason,
            working_days_only,
            from_field=from_field,
            keep_through=keep_through,
            deadline=deadline,
            response=response,
            every=every,
            until_field=until_field,
            count=count if every is not None else None,
            until_state=self.ending_states(m, key, state) if every is not None else (),
        )

    def recurrence(self, m: dict[str, tuple[Node, Node]], key: str, state: str) -> Every | None:
        """`every:` and what only a recurring timer may have (`until`, `count`,
        `until_state`): each misuse reported where it is written."""
        ends = [e for e in ("until", "count", "until_state") if e in m]
        if "every" not in m:
            for e in ends:
                msg = f"{e!r} ends a recurring timer: this one has no 'every'"
                self.problem(m[e][0], f"{key}.{e}", msg, "add 'every: <period>' or remove it")
            return None
        for k, why in NOT_RECURRING.items():
            if k in m and (state != CASE_TIMERS or k not in NOT_CASE_LEVEL):
                self.problem(m[k][0], f"{key}.{k}", why)
        if "until" in m and "count" in m:
            msg = "a recurring timer ends by 'until' or by 'count', not both"
            self.problem(m["count"][0], f"{key}.count", msg)
        if "until_state" in m and state != CASE_TIMERS:
            msg = "a state's recurring timer ends when the case leaves the state"
            hint = "'until_state' is for a case-level timer (the workflow's 'timers:')"
            self.problem(m["until_state"][0], f"{key}.until_state", msg, hint)
        node = m["every"][1]
        text = self.scalar(node, f"{key}.every", (str, int), "a period such as 'half month'")
        if text is None:
            return None
        try:
            return parse_every(str(text))
        except DurationError as exc:
            self.problem(node, f"{key}.every", str(exc))
            return None

    def occurrences(self, node: Node, key: str) -> int | None:
        n: int | None = self.scalar(node, key, int, "a whole number")
        if n is not None and not 1 <= n <= MAX_OCCURRENCES:
            self.problem(node, key, f"count must be 1 to {MAX_OCCURRENCES}, got {n}")
            return None
        return n

    def ending_states(
        self, m: dict[str, tuple[Node, Node]], key: str, state: str
    ) -> tuple[str, ...]:
        """`until_state`: the states whose reaching ends a case-level recurring timer."""
        if "until_state" not in m or state != CASE_TIMERS:
            return ()
        out: list[str] = []
        for sname, snode in self.string_list(
            m["until_state"][1], f"{key}.until_state", "a state name"
        ):
            if sname not in self.state_roles:
                self.problem(
                    snode,
                    f"{key}.until_state",
                    f"until_state names unknown state {sname!r}",
                    did_you_mean(sname, sorted(self.state_roles)),
                )
            elif sname not in out:
                out.append(sname)
        return tuple(out)

    def kept_through(
        self, m: dict[str, tuple[Node, Node]], key: str, state: str
    ) -> tuple[str, ...]:
        """`keep_through`: the other states a deadline keeps running in."""
        if "keep_through" not in m:
            return ()
        out: list[str] = []
        for sname, snode in self.string_list(
            m["keep_through"][1], f"{key}.keep_through", "a state name"
        ):
            if sname not in self.state_roles or sname == state:
                known = sorted(n for n in self.state_roles if n != state)
                which = "its own" if sname == state else "unknown"
                self.problem(
                    snode,
                    f"{key}.keep_through",
                    f"keep_through names {which} state {sname!r}",
                    did_you_mean(sname, known),
                )
            else:
                out.append(sname)
        return tuple(out)

    def moment_field(self, m: dict[str, tuple[Node, Node]], name: str, key: str) -> str | None:
        """A timer key naming a declared date or datetime field (`from_field`)."""
        if name not in m:
            return None
        node = m[name][1]
        f = self.declared_field(node, f"{key}.{name}", name)
        if f is not None and f.type not in ("date", "datetime"):
            self.problem(
                node,
                f"{key}.{name}",
                f"{name} {f.name!r} is a {f.type} field, not a date or datetime",
            )
        return f.name if f is not None else None

    def timer_action(
        self, node: Node, key: str, state: str, raw: list[_RawTransition], recurring: bool = False
    ) -> str | None:
        action: str | None = self.scalar(node, key, str, "an action name")
        if action is None:
            return None
        anywhere = state == CASE_TIMERS
        here = [t for t in raw if t.action == action and (anywhere or state in t.source_names)]
        if not here and action in self.unread_actions:
            pass  # its transition has a problem of its own
        elif not here:
            possible = sorted({t.action for t in raw if anywhere or state in t.source_names})
            msg = (
                f"timer action {action!r} is not a transition of the workflow"
                if anywhere
                else f"timer action {action!r} is not a transition from state {state!r}"
            )
            self.problem(node, key, msg, did_you_mean(action, possible))
        elif recurring and not all(
            self.quiet_value(_entry(t.node, "internal")) is True for t in here
        ):
            msg = (
                f"a recurring timer's action must be an internal self-loop: {action!r}"
                " would leave or re-enter the state at each occurrence"
            )
            self.problem(node, key, msg, "use a transition with 'to' = 'from' and 'internal: true'")
        elif SYSTEM_ROLE not in here[0].roles:
            msg = (
                f"timer action {action!r} does not allow role 'system', which fires timers"
                f" (roles: {', '.join(here[0].roles) or 'none'})"
            )
            self.problem(node, key, msg, "add 'system' to the transition's roles")
        return action

    # -- transitions -----------------------------------------------------------------------
    def raw_transitions(
        self, node: Node | None, states: dict[str, tuple[Node, Node]]
    ) -> list[_RawTransition]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, "transitions", "expected a list of transitions")
            self.graph_complete = False
            return []
        finals = {s for s, (_, v) in states.items() if self.quiet_value(_entry(v, "final")) is True}
        out: list[_RawTransition] = []
        for i, item in enumerate(node.value):
            key = f"transitions[{i}]"
            m = self.mapping(item, key, TRANSITION_KEYS, ("action", "label", "from", "to"))
            if m is None or not all(k in m for k in ("action", "from", "to")):
                self.graph_complete = False
                continue
            assert isinstance(item, MappingNode)
            action = self.name(m["action"][1], f"{key}.action", "action name")
            key = f"transitions[{i}] ({action})" if action else key
            sources: list[tuple[str, Node]] = []
            for s, snode in self.string_list(m["from"][1], f"{key}.from", "a state name"):
                if s == "*":
                    sources.extend((n, snode) for n in states if n not in finals)
                elif s not in states and self.states_known:
                    hint = did_you_mean(s, states)
                    self.problem(snode, f"{key}.from", f"unknown state {s!r} in 'from'", hint)
                    self.graph_complete = False
                elif s in states:
                    sources.append((s, snode))
            tnode = m["to"][1]
            dest = self.scalar(tnode, f"{key}.to", str, "a state name")
            if dest is not None and dest not in states:
                if self.states_known:
                    hint = did_you_mean(dest, states)
                    self.problem(tnode, f"{key}.to", f"unknown state {dest!r} in 'to'", hint)
                dest = None
            if "roles" in m:
                roles = self.roles(m["roles"][1], f"{key}.roles")
                written = bool(_role_names(m["roles"][1]))
            else:
                merged = (r for s, _ in sources for r in self.state_roles.get(s, ()))
                roles = tuple(r for r in dict.fromkeys(merged) if r in KNOWN_ROLES)
                written = any(self.state_roles.get(s) for s, _ in sources)
            if not written and sources:  # (an unknown role is reported where it is written)
                msg = "no role may take this action: set 'roles' here or on the source state"
                self.problem(m["roles"][1] if "roles" in m else item, f"{key}.roles", msg)
            if action and dest:
                out.append(_RawTransition(item, i, key, action, m, sources, dest, roles))
            else:
                self.graph_complete = False
                self.unread_actions.add(action or "")
        return out

    def build_transitions(self, raw: list[_RawTransition]) -> list[TransitionDef]:
        states = tuple(self.state_roles) if self.states_known else None
        self.types = TypeChecker(self.fields, states, self.field_names)
        seen: dict[tuple[str, str], int] = {}
        out: list[TransitionDef] = []
        for t in raw:
            key = t.key
            for s, snode in t.sources:
                first = seen.get((s, t.action))
                if first == t.index:
                    self.problem(snode, f"{key}.from", f"state {s!r} is listed twice")
                elif first is not None:
                    msg = f"duplicate action {t.action!r} from state {s!r}"
                    msg += f" (also transitions[{first}])"
                    self.problem(snode, f"{key}.from", msg)
                seen[(s, t.action)] = t.index
            m = t.entries
            label = self.label(m["label"][1], f"{key}.label") if "label" in m else None
            requires: list[str] = []
            for r, rnode in (
                self.string_list(m["requires"][1], f"{key}.requires", "a field name")
                if "requires" in m
                else []
            ):
                if r not in self.field_names:
                    hint = did_you_mean(r, sorted(self.field_names))
                    self.problem(rnode, f"{key}.requires", f"requires undeclared field {r!r}", hint)
                requires.append(r)
            accepts = self.accepted(m["accepts"][1], f"{key}.accepts") if "accepts" in m else ()
            guard = self.typed(m["guard"][1], f"{key}.guard") if "guard" in m else None
            gm = m.get("guard_message")
            guard_message = self.label(gm[1], f"{key}.guard_message") if gm else None
            sets = self.effects(m["set"][1], f"{key}.set") if "set" in m else ()
            notify = self.roles(m["notify"][1], f"{key}.notify") if "notify" in m else ()
            points = read_points(self, m["points"][1], f"{key}.points") if "points" in m else ()
            internal = False
            if "internal" in m:
                inode = m["internal"][1]
                internal = self.flag(inode, f"{key}.internal")
                if internal and any(s != t.dest for s, _ in t.sources):
                    msg = "only a self-loop (to == from) can be internal"
                    self.problem(inode, f"{key}.internal", msg)
            if label is None:
                continue
            out.append(
                TransitionDef(
                    action=t.action,
                    label=label,
                    sources=t.source_names,
                    dest=t.dest,
                    roles=t.roles,
                    requires=tuple(requires),
                    guard=guard,
                    guard_message=guard_message,
                    sets=sets,
                    notify=notify,
                    internal=internal,
                    accepts=tuple(dict.fromkeys([*requires, *accepts])),
                    points=points,
                )
            )
        return out

    def effects(self, node: Node, key: str) -> tuple[tuple[str, Expression], ...]:
        out: list[tuple[str, Expression]] = []
        for fname, (fk, fv) in (self.mapping(node, key, ()) or {}).items():
            if fname not in self.field_names:
                hint = did_you_mean(fname, sorted(self.field_names))
                self.problem(fk, f"{key}.{fname}", f"set names undeclared field {fname!r}", hint)
            if (e := self.typed(fv, f"{key}.{fname}", self.fields.get(fname))) is not None:
                out.append((fname, e))
        return tuple(out)

    def typed(self, node: Node, key: str, target: FieldDef | None = None) -> Expression | None:
        """A guard (or, with its `target` field, a `set:` value), its types checked."""
        expr = self.expression(node, key)
        if expr is not None and self.check_types:
            found = self.types.guard(expr) if target is None else self.types.effect(expr, target)
            for p in found:
                self.problem_at(self.position_in(node, p.offset), key, p.message, p.hint)
        return expr

    def check_graph(
        self,
        initial: str,
        nodes: dict[str, tuple[Node, Node]],
        states: dict[str, StateDef],
        raw: list[_RawTransition],
    ) -> None:
        edges: dict[str, set[str]] = {s: set() for s in nodes}
        for t in raw:
            for s, _ in t.sources:
                edges[s].add(t.dest)
        seen = {initial}
        stack = [initial]
        while stack:
            for nxt in edges[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        for sname, (knode, _) in nodes.items():
            st = states.get(sname)
            if sname not in seen:
                msg = f"unreachable state {sname!r}: no path leads to it from {initial!r}"
                self.problem(knode, f"states.{sname}", msg)
            if st is not None and not st.final and not edges[sname] - {sname}:
                self.problem(
                    knode,
                    f"states.{sname}",
                    f"state {sname!r} has no way out and is not final",
                    "add a transition to another state or mark it 'final: true'",
                )


def _edge(reader: _Loader, t: _RawTransition) -> Edge:
    """A transition as the tasks' checks see it (its `internal` read quietly: a bad value is
    reported where the transition is built)."""
    entry = t.entries.get("internal")
    internal = entry is not None and reader.quiet_value(entry[1]) is True
    return Edge(t.action, t.dest, t.roles, internal)


def _role_names(node: Node) -> tuple[str, ...]:
    """The role names written in a node, known or not (unknown ones are reported elsewhere)."""
    items = node.value if isinstance(node, SequenceNode) else [node]
    return tuple(str(i.value) for i in items if isinstance(i, ScalarNode) and i.value)


def _entry(node: Node, key: str) -> Node | None:
    """The value node under `key` in a mapping node, if any (first occurrence)."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, Node):
                return v
    return None
