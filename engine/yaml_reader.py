"""Reading a composed YAML node tree while collecting problems located by line and column.

Composing is bounded before the tree exists (`compose_bounded`): no anchors or aliases (an
alias bomb of a kilobyte expands to gigabytes), at most MAX_DEPTH levels of nesting (deep
nesting would exhaust the stack) and at most MAX_NODES nodes; the first excess is refused at
its position.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from engine.definition import Label
from engine.errors import Problem

# libyaml's event parser, or None when PyYAML was built without it.
_CParser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "NodeReader",
    "TooManyProblems",
    "YAMLLimitError",
    "char_positions",
    "compose_bounded",
    "did_you_mean",
    "plain_data",
]

STR_TAG = "tag:yaml.org,2002:str"
# A position in the source: 0-based line and column, as in yaml marks.
Position = tuple[int, int]
#: Nesting levels of a definition (the shipped ones use 8).
MAX_DEPTH = 32
#: Nodes (keys, values, items) of a definition (the shipped ones have fewer than 2,000).
MAX_NODES = 10_000
#: Names longer than this get no "did you mean" (difflib's cost grows with the length).
_HINT_LENGTH = 64
_NO_ANCHORS = "YAML anchors and aliases (& and *) are not allowed: write the value out"
_TOO_MANY = f"too many entries (more than {MAX_NODES:,})"
_TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels)"


#: Problems reported for one definition; the work stops at the next one.
MAX_PROBLEMS = 100


class TooManyProblems(Exception):
    """Raised by NodeReader when MAX_PROBLEMS were found: the reading stops there."""


class YAMLLimitError(yaml.MarkedYAMLError):
    """Raised while composing when the document exceeds a limit; carries the position."""


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer refuses anchors and aliases, and counts depth and nodes."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._nodes = 0

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        # Refused while scanning: the scanner's work per token grows with the flow nesting.
        if self.flow_level >= MAX_DEPTH:
            raise YAMLLimitError(
                problem=_TOO_DEEP,
                problem_mark=self.get_mark(),
            )
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YAMLLimitError(
                problem=_NO_ANCHORS,
                problem_mark=event.start_mark,
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YAMLLimitError(
                problem=_TOO_MANY,
                problem_mark=event.start_mark,
            )
        if self._depth >= MAX_DEPTH:
            raise YAMLLimitError(
                problem=_TOO_DEEP,
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        return node


def compose_bounded(text: str) -> Node | None:
    """The node tree of a one-document YAML text, within the limits (YAMLLimitError beyond
    them; other yaml.YAMLError for what YAML itself refuses).

    libyaml's event parser, when present, reads a definition some fifty times faster than
    PyYAML's; a text it refuses is read again by PyYAML, whose messages and positions are
    the ones the loader reports."""
    if _CParser is not None:
        try:
            return _compose_events(_CParser(text))
        except YAMLLimitError:
            raise
        except (yaml.YAMLError, UnicodeError):  # e.g. a lone surrogate libyaml cannot encode
            pass
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _limit(problem: str, event: Any) -> YAMLLimitError:
    mark: Any = event.start_mark
    return YAMLLimitError(problem=problem, problem_mark=mark)


def _compose_events(parser: Any) -> Node | None:
    """Compose the nodes of a parser's events without recursion, within the limits."""
    resolver = Resolver()
    parser.get_event()  # StreamStartEvent
    if parser.check_event(StreamEndEvent):
        return None
    parser.get_event()  # DocumentStartEvent
    root: Node | None = None
    stack: list[tuple[CollectionNode, list[Node]]] = []  # open collections, a pending key
    nodes = 0
    while True:
        event: Any = parser.get_event()
        if isinstance(event, DocumentEndEvent):
            break
        if isinstance(event, SequenceEndEvent | MappingEndEvent):
            node, _ = stack.pop()
            node.end_mark = event.end_mark
            continue
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _limit(_NO_ANCHORS, event)
        nodes += 1
        if nodes > MAX_NODES:
            raise _limit(_TOO_MANY, event)
        if len(stack) >= MAX_DEPTH:
            raise _limit(_TOO_DEEP, event)
        new: Node
        start: Any = event.start_mark  # libyaml's marks: line, column and character index
        if isinstance(event, ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolver.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
            end: Any = event.end_mark
            new = ScalarNode(tag, event.value, start, end, event.style)
        elif isinstance(event, SequenceStartEvent):
            tag = event.tag or resolver.resolve(SequenceNode, None, event.implicit)  # type: ignore[no-untyped-call]
            new = SequenceNode(tag, [], start, None, event.flow_style)
        else:
            assert isinstance(event, MappingStartEvent)
            tag = event.tag or resolver.resolve(MappingNode, None, event.implicit)  # type: ignore[no-untyped-call]
            new = MappingNode(tag, [], start, None, event.flow_style)
        if not stack:
            root = new
        else:
            parent, pending = stack[-1]
            if isinstance(parent, SequenceNode):
                parent.value.append(new)
            elif pending:
                parent.value.append((pending.pop(), new))
            else:
                pending.append(new)
        if isinstance(new, CollectionNode):
            stack.append((new, []))
    if not parser.check_event(StreamEndEvent):
        extra: Any = parser.get_event()
        raise ComposerError(
            "expected a single document in the stream",
            root.start_mark if root is not None else None,
            "but found another document",
            extra.start_mark,
        )
    return root


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt name, or an empty string."""
    if len(word) > _HINT_LENGTH:
        return ""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else ""


def join_key(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class NodeReader:
    """Typed access to YAML nodes; every mismatch becomes a Problem instead of an exception."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()  # one per document: it caches by node

    # -- reporting ---------------------------------------------------------------------------
    def problem(self, node: Node | None, key: str, message: str, hint: str = "") -> None:
        line, col = (node.start_mark.line, node.start_mark.column) if node else (0, 0)
        self.problem_at((line, col), key, message, hint)

    def problem_at(self, pos: Position, key: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, pos[0] + 1, pos[1] + 1, key, message, hint))
        if len(self.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    def position_in(self, node: Node, offset: int) -> Position:
        """The source position of character `offset` of a scalar's value (its start if the
        scalar's layout cannot be followed)."""
        if isinstance(node, ScalarNode):
            positions = char_positions(self.text, node)
            if positions:
                return positions[max(0, min(offset, len(positions) - 1))]
        return node.start_mark.line, node.start_mark.column

    # -- values ------------------------------------------------------------------------------
    def construct(self, node: Node, key: str) -> tuple[bool, Any]:
        """The Python value of a node as YAML reads it; (False, None) after a problem."""
        try:
            return True, self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self.problem(node, key, f"cannot read this value: {problem}")
            return False, None

    def quiet_value(self, node: Node | None) -> object:
        """A scalar's value without reporting (problems are reported where it is read)."""
        if not isinstance(node, ScalarNode):
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return None

    def mapping(
        self, node: Node, key: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, tuple[Node, Node]] | None:
        """A mapping's entries by key; unknown (when `allowed` is given), duplicate and
        missing keys are problems."""
        if not isinstance(node, MappingNode):
            self.problem(node, key, f"expected a mapping, got {_kind(node)}")
            return None
        out: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode):
                self.problem(knode, key, "a key must be a plain name")
                continue
            k = str(knode.value)
            if k in out:
                first = out[k][0].start_mark.line + 1
                self.problem(
                    knode, join_key(key, k), f"duplicate key {k!r} (first at line {first})"
                )
                continue
            if allowed and k not in allowed:
                self.problem(
                    knode, join_key(key, k), f"unknown key {k!r}", did_you_mean(k, allowed)
                )
                continue
            out[k] = (knode, vnode)
        for r in required:
            if r not in out:
                self.problem(node, join_key(key, r), f"missing required key {r!r}")
        return out

    def scalar(self, node: Node, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """A scalar of the given Python type(s), or None after a problem."""
        if not isinstance(node, ScalarNode):
            self.problem(node, key, f"expected {what}, got {_kind(node)}")
            return None
        ok, value = self.construct(node, key)
        if not ok:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.problem(node, key, f"expected {what}, got a boolean ({node.value})")
            return None
        if not isinstance(value, kinds):
            shown = "nothing" if value is None else repr(value)
            self.problem(node, key, f"expected {what}, got {shown}")
            return None
        return value

    def flag(self, node: Node, key: str) -> bool:
        return bool(self.scalar(node, key, bool, "true or false"))

    def string_list(self, node: Node, key: str, what: str = "a name") -> list[tuple[str, Node]]:
        """A string or a list of strings, each with its node."""
        if isinstance(node, ScalarNode):
            v = self.scalar(node, key, str, f"{what} or a list of them")
            return [(v, node)] if v is not None else []
        if not isinstance(node, SequenceNode):
            self.problem(node, key, f"expected a list, got {_kind(node)}")
            return []
        out = []
        for i, item in enumerate(node.value):
            v = self.scalar(item, f"{key}[{i}]", str, what)
            if v is not None:
                out.append((v, item))
        return out

    def label(self, node: Node, key: str) -> Label | None:
        """A {zh, en} text; both languages are required."""
        if not isinstance(node, MappingNode):
            self.problem(node, key, f"expected a label {{zh: ..., en: ...}}, got {_kind(node)}")
            return None
        m = self.mapping(node, key, ("zh", "en"))
        if m is None:
            return None
        texts: dict[str, str] = {}
        for lang in ("zh", "en"):
            if lang not in m:
                self.problem(node, join_key(key, lang), f"label without {lang!r}: give zh and en")
                continue
            text = self.scalar(m[lang][1], join_key(key, lang), str, "a text")
            if text is not None and not text.strip():
                self.problem(m[lang][1], join_key(key, lang), "empty text")
            elif text is not None:
                texts[lang] = text
        return Label(texts["zh"], texts["en"]) if len(texts) == 2 else None


def plain_data(node: Node, constructor: SafeConstructor | None = None) -> object:
    """The document as plain data (string keys), for hashing; never raises."""
    c = constructor or SafeConstructor()
    if isinstance(node, ScalarNode):
        try:
            return c.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return node.value
    if isinstance(node, SequenceNode):
        return [plain_data(n, c) for n in node.value]
    if isinstance(node, MappingNode):
        return {str(plain_data(k, c)): plain_data(v, c) for k, v in node.value}
    return None


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return "nothing" if node.tag == "tag:yaml.org,2002:null" else repr(node.value)
    return "something else"


# -- where each character of a scalar's value sits in the source ------------------------------


def char_positions(text: str, node: ScalarNode) -> list[Position] | None:
    """The source position of every character of `node.value`, plus one for its end;
    None when the layout is not understood (checked by rebuilding the value)."""
    raw = text[node.start_mark.index : node.end_mark.index]
    line0, col0 = node.start_mark.line, node.start_mark.column
    if node.style in ("|", ">"):
        chars, pos = _block(raw, line0, folded=node.style == ">")
        wanted = node.value.rstrip("\n")
    else:
        quote = node.style if node.style in ("'", '"') else ""
        if quote:
            if len(raw) < 2 or raw[0] != quote or raw[-1] != quote:
                return None
            raw, col0 = raw[1:-1], col0 + 1
        chars, pos = _flow(raw, line0, col0, quote)
        wanted = node.value
    if "".join(chars).rstrip("\n") != wanted.rstrip("\n") or not pos:
        return None
    return [*pos[: len(wanted)], pos[-1]]


def _flow(raw: str, line0: int, col0: int, quote: str) -> tuple[list[str], list[Position]]:
    """Decode a plain or quoted scalar body (YAML line folding and escapes)."""
    chars: list[str] = []
    pos: list[Position] = []
    lines = raw.split("\n")
    empty = 0
    escaped_break = False
    for i, line in enumerate(lines):
        base = col0 if i == 0 else 0
        line = line.rstrip("\r")
        lead = 0 if i == 0 else len(line) - len(line.lstrip(" \t"))
        last = i == len(lines) - 1
        stop = len(line) if last else len(line.rstrip(" \t"))
        if not last and quote == '"' and _ends_with_escape(line[:stop]):
            stop -= 1
            seg_escaped = True
        else:
            seg_escaped = False
        if i > 0 and not escaped_break:
            if not line.strip() and not last:
                empty += 1
                continue
            joiner = "\n" * empty if empty else " "
            chars.extend(joiner)
            pos.extend([pos[-1] if pos else (line0 + i, 0)] * len(joiner))
        empty = 0
        escaped_break = seg_escaped
        _decode(line[lead:stop], quote, line0 + i, base + lead, chars, pos)
    pos.append((line0 + len(lines) - 1, (col0 if len(lines) == 1 else 0) + len(lines[-1])))
    return chars, pos


def _ends_with_escape(segment: str) -> bool:
    backslashes = len(segment) - len(segment.rstrip("\\"))
    return backslashes % 2 == 1


def _decode(
    seg: str, quote: str, line: int, col: int, chars: list[str], pos: list[Position]
) -> None:
    i = 0
    while i < len(seg):
        c = seg[i]
        width = 1
        if quote == "'" and seg.startswith("''", i):
            width = 2
        elif quote == '"' and c == "\\" and i + 1 < len(seg):
            e = seg[i + 1]
            if e in yaml.scanner.Scanner.ESCAPE_CODES:
                n = yaml.scanner.Scanner.ESCAPE_CODES[e]
                width = 2 + n
                try:
                    c = chr(int(seg[i + 2 : i + 2 + n], 16))
                except ValueError:
                    c = "\ufffd"
            else:
                width = 2
                c = yaml.scanner.Scanner.ESCAPE_REPLACEMENTS.get(e, "\ufffd")
        chars.append(c)
        pos.append((line, col + i))
        i += width


def _block(raw: str, line0: int, folded: bool) -> tuple[list[str], list[Position]]:
    """Decode a literal (|) or folded (>) block scalar body, up to its trailing breaks."""
    lines = raw.split("\n")
    header = lines[0].split("#", 1)[0].strip()
    digits = [ch for ch in header if ch.isdigit()]
    body = [line.rstrip("\r") for line in lines[1:]]
    indent = next((len(b) - len(b.lstrip(" ")) for b in body if b.strip()), 0)
    chars: list[str] = []
    pos: list[Position] = []
    prev_text: bool | None = None  # was the previous line a normal (not more-indented) text line
    pending = 0
    for i, b in enumerate(body, start=1):
        if digits:
            indent = int(digits[0])
        if not b.strip():
            pending += 1
            continue
        more = b[indent : indent + 1] in (" ", "\t")
        if prev_text is not None:
            if folded and prev_text and not more:
                joiner = "\n" * pending if pending else " "
            else:
                joiner = "\n" * (pending + 1)
            chars.extend(joiner)
            pos.extend([pos[-1]] * len(joiner))
        pending = 0
        prev_text = not more
        for j, ch in enumerate(b[indent:]):
            chars.append(ch)
            pos.append((line0 + i, indent + j))
    if pos:
        pos.append((pos[-1][0], pos[-1][1] + 1))
    return chars, pos
