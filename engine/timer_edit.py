"""Changing one timer of a workflow's YAML without editing the YAML by hand.

`edit_timer` rewrites only the entries it is given (`after`, `remind_at`, `notify`) of one
timer: each value is spliced into the text where the YAML composer found it, so comments,
layout and every other byte stay as they were. The result is parsed again; a problem is a
DefinitionError whose positions are those of the text (a bad duration points at the
timer's `after`).
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.definition import Definition
from engine.durations import DurationError, parse_duration
from engine.errors import DefinitionError, Problem, UnknownTimerError
from engine.loader import parse_definition
from engine.yaml_reader import compose_bounded

__all__ = ["DRAFT_FILE", "edit_timer", "parse_edited", "share_text"]

DRAFT_FILE = "<draft>"
_ROLE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def share_text(share: float) -> str:
    """A share of the period as the YAML writes it: 0.8 → "80%"."""
    return f"{round(share * 100, 2):g}%"


def edit_timer(
    source: str,
    state: str,
    timer: str,
    *,
    after: str | None,
    remind_at: float | None,
    notify: tuple[str, ...] | None,
) -> str:
    """The source with timer `timer` of state `state` given a new `after` (a duration such
    as "10 working days", replacing a duration table), `remind_at` (a share of the period
    between 0 and 1) and `notify` (roles); None leaves an entry as it is. Everything else is
    byte-identical. UnknownTimerError when there is no such timer; DefinitionError when a
    value is bad or the result is not a valid workflow."""
    try:
        root = compose_bounded(source)
    except yaml.YAMLError as exc:
        raise _problem(source, None, "", f"the YAML cannot be read: {exc}") from exc
    entry, key = _find(root, state, timer)
    edits: list[tuple[str, str]] = []
    if after is not None:
        try:
            duration = parse_duration(after)
        except DurationError as exc:
            node = _value(entry, "after") or entry
            raise _problem(source, node, f"{key}.after", str(exc)) from exc
        edits.append(("after", str(duration)))
    if remind_at is not None:
        if not 0.01 <= remind_at <= 0.99:
            node = _value(entry, "remind_at") or entry
            raise _problem(
                source, node, f"{key}.remind_at", f"bad share {remind_at!r}: use 1% to 99%"
            )
        edits.append(("remind_at", share_text(remind_at)))
    if notify is not None:
        for role in notify:
            if not _ROLE.match(role):
                node = _value(entry, "notify") or entry
                raise _problem(source, node, f"{key}.notify", f"bad role name {role!r}")
        edits.append(("notify", "[" + ", ".join(notify) + "]"))
    text = source
    # Spliced from the end of the text backwards, so earlier positions stay true.
    for start, end, new in sorted(
        (_splice(source, entry, k, v) for k, v in edits), key=lambda s: s[0], reverse=True
    ):
        text = text[:start] + new + text[end:]
    parse_edited(text)
    return text


def parse_edited(text: str) -> Definition:
    """The edited draft parsed (DefinitionError with its problems)."""
    return parse_definition(text, file=DRAFT_FILE)


def _problem(source: str, node: Node | None, key: str, message: str) -> DefinitionError:
    line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
    return DefinitionError([Problem(DRAFT_FILE, line, col, key, message)])


def _entries(node: Node | None) -> dict[str, tuple[Node, Node]]:
    if not isinstance(node, MappingNode):
        return {}
    return {str(k.value): (k, v) for k, v in node.value if isinstance(k, ScalarNode)}


def _value(node: MappingNode, key: str) -> Node | None:
    found = _entries(node).get(key)
    return found[1] if found else None


def _find(root: Node | None, state: str, timer: str) -> tuple[MappingNode, str]:
    """The mapping of the timer and its key path (`states.S.timers[i]`)."""
    states = _entries(root).get("states")
    st = _entries(states[1] if states else None).get(state)
    timers = _entries(st[1] if st else None).get("timers")
    items = timers[1].value if timers and isinstance(timers[1], SequenceNode) else []
    for i, item in enumerate(items):
        name = _entries(item).get("name")
        if isinstance(item, MappingNode) and name and str(name[1].value) == timer:
            return item, f"states.{state}.timers[{i}]"
    raise UnknownTimerError(state, timer)


def _end(node: Node) -> int:
    """Where a value's own text ends: for a block collection, the end of its last item (its
    end mark lies past the comments and blank lines that follow)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _end(node.value[-1][1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _end(node.value[-1])
    return int(node.end_mark.index)


def _splice(source: str, entry: MappingNode, key: str, value: str) -> tuple[int, int, str]:
    """(start, end, text): the replacement of `key`'s value, or the entry added."""
    found = _entries(entry).get(key)
    if found is not None:
        knode, vnode = found
        if isinstance(vnode, ScalarNode) or getattr(vnode, "flow_style", False):
            return vnode.start_mark.index, _end(vnode), value
        # A block collection (a duration table): from the key's colon to its last item.
        colon = source.index(":", knode.end_mark.index)
        return colon, _end(vnode), f": {value}"
    if entry.flow_style:
        close = entry.end_mark.index - 1
        return close, close, f", {key}: {value}"
    last = _end(entry.value[-1][1])
    eol = source.find("\n", last)
    at = len(source) if eol < 0 else eol
    indent = " " * entry.value[0][0].start_mark.column
    return at, at, f"\n{indent}{key}: {value}"
