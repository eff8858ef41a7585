"""Reading the typed pieces of a workflow definition: names, roles, durations, expressions,
timer periods, fields and tiers (states and transitions are read in engine.loader)."""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
from collections.abc import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.definition import (
    FIELD_TYPES,
    INT_MAX,
    INT_MIN,
    KNOWN_ROLES,
    FieldDef,
    Label,
    TierDef,
    TimerAfter,
)
from engine.durations import Duration, DurationError, parse_duration
from engine.expressions import Expression, ExpressionError, compile_expression
from engine.reserved import RESERVED
from engine.yaml_reader import NodeReader, did_you_mean

__all__ = [
    "NAME_RE",
    "NOT_FINITE",
    "OUT_OF_RANGE",
    "DefinitionReader",
    "check_value",
    "shown",
    "storage_error",
]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_RULE = "use a lower-case letter, then lower-case letters, digits or _"
FIELD_KEYS = (
    "type",
    "label",
    "values",
    "value_labels",
    "min",
    "max",
    "default",
    "personal",
    "help",
)
#: Names an expression may use besides the declared fields (the service puts them in scope).
SCOPE_NAMES = frozenset({"state"})
NUMERIC_TYPES = ("int", "number")
OUT_OF_RANGE = f"whole numbers must lie between {INT_MIN} and {INT_MAX}"
NOT_FINITE = "numbers must be finite (not NaN or Infinity, at most 1.8e308)"
#: Whole numbers of more bits than this are beyond the largest float.
FLOAT_BITS = 1024


class DefinitionReader(NodeReader):
    """A NodeReader that knows the definition's vocabulary; `fields` once read are what
    expressions, `requires` and timers may name."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text, file)
        self.fields: dict[str, FieldDef] = {}
        # every field declared, even one whose declaration has problems: names are checked
        # against these so that one bad field is not reported again at each use
        self.field_names: set[str] = set()

    # -- names, roles, durations, expressions ----------------------------------------------
    def name(self, node: Node, key: str, what: str = "name") -> str | None:
        value = self.scalar(node, key, str, f"a {what}")
        if value is not None and not NAME_RE.match(value):
            self.problem(node, key, f"bad {what} {value!r}: {NAME_RULE}")
            return None
        return value if isinstance(value, str) else None

    def roles(self, node: Node, key: str) -> tuple[str, ...]:
        out: list[str] = []
        for role, rnode in self.string_list(node, key, "a role"):
            if role not in KNOWN_ROLES:
                hint = did_you_mean(role, KNOWN_ROLES) or f"known roles: {', '.join(KNOWN_ROLES)}"
                self.problem(rnode, key, f"unknown role {role!r}", hint)
            elif role not in out:
                out.append(role)
        return tuple(out)

    def duration(self, node: Node, key: str) -> Duration | None:
        text = self.scalar(node, key, (str, int), "a duration such as '7 days'")
        if text is None:
            return None
        try:
            return parse_duration(str(text))
        except DurationError as exc:
            self.problem(node, key, str(exc))
            return None

    def expression(self, node: Node, key: str) -> Expression | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, key, "expected an expression such as \"risk_level != 'high'\"")
            return None
        source = str(node.value)
        try:
            expr = compile_expression(source)
        except ExpressionError as exc:
            self.problem_at(self.position_in(node, exc.col), key, exc.message)
            return None
        for n in sorted(expr.names - self.field_names - SCOPE_NAMES):
            self.problem_at(
                self.position_in(node, _name_offset(source, n)),
                key,
                f"expression names undeclared field {n!r}",
                did_you_mean(n, sorted(self.field_names)),
            )
        return expr

    def share(self, node: Node, key: str) -> float | None:
        """A share of a period such as 80% (or 0.8, or 80), between 1% and 99%."""
        value = self.scalar(node, key, (str, int, float), "a share like 80%")
        share = _percent(value)
        if value is not None and share is None:
            self.problem(node, key, f"bad share {value!r}: use 1% to 99%")
        return share

    def declared_field(self, node: Node, key: str, what: str) -> FieldDef | None:
        fname = self.scalar(node, key, str, "a field name")
        if fname is None:
            return None
        f = self.fields.get(fname)
        if fname not in self.field_names:
            hint = did_you_mean(fname, sorted(self.field_names))
            self.problem(node, key, f"{what} names undeclared field {fname!r}", hint)
        return f

    def timer_after(self, node: Node, key: str) -> TimerAfter | None:
        if not isinstance(node, MappingNode):
            d = self.duration(node, key)
            return TimerAfter(duration=d) if d else None
        m = self.mapping(node, key, ("by", "values", "default"), ("by", "values"))
        if m is None or "by" not in m or "values" not in m:
            return None
        bnode = m["by"][1]
        f = self.declared_field(bnode, f"{key}.by", "by")
        if f is not None and f.type != "enum":
            self.problem(bnode, f"{key}.by", f"by field {f.name!r} is a {f.type} field, not enum")
        enum = f if f is not None and f.type == "enum" else None
        table: dict[str, Duration] = {}
        vm = self.mapping(m["values"][1], f"{key}.values", ())
        for v, (vk, vv) in (vm or {}).items():
            if enum is not None and v not in enum.values:
                msg = f"{v!r} is not a value of {enum.name!r} ({', '.join(enum.values)})"
                self.problem(vk, f"{key}.values.{v}", msg, did_you_mean(v, enum.values))
            if d := self.duration(vv, f"{key}.values.{v}"):
                table[v] = d
        default = self.duration(m["default"][1], f"{key}.default") if "default" in m else None
        return TimerAfter(by=f.name if f else None, table=table, default=default)

    # -- fields and tiers ------------------------------------------------------------------
    def build_fields(self, node: Node | None) -> dict[str, FieldDef]:
        out: dict[str, FieldDef] = {}
        m = self.mapping(node, "fields", ()) if node is not None else None
        for fname, (knode, vnode) in (m or {}).items():
            key = f"fields.{fname}"
            self.field_names.add(fname)
            if not NAME_RE.match(fname):
                self.problem(knode, key, f"bad field name {fname!r}: {NAME_RULE}")
                continue
            fm = self.mapping(vnode, key, FIELD_KEYS, ("type", "label"))
            if fm is None or "type" not in fm or "label" not in fm:
                continue
            field = self.build_field(fname, key, knode, fm)
            if field is not None:
                out[fname] = field
        return out

    def build_field(
        self, fname: str, key: str, knode: Node, fm: dict[str, tuple[Node, Node]]
    ) -> FieldDef | None:
        tnode = fm["type"][1]
        ftype = self.scalar(tnode, f"{key}.type", str, "a field type")
        if ftype is not None and ftype not in FIELD_TYPES:
            msg = f"unknown type {ftype!r} (one of {', '.join(FIELD_TYPES)})"
            self.problem(tnode, f"{key}.type", msg, did_you_mean(ftype, FIELD_TYPES))
            return None
        reserved = RESERVED.get(fname)
        if ftype is not None and reserved is not None and ftype not in reserved.types:
            msg = (
                f"{fname!r} is a reserved field ({reserved.meaning}):"
                f" its type must be {' or '.join(reserved.types)}, not {ftype}"
            )
            self.problem(tnode, f"{key}.type", msg, "or give the field another name")
        label = self.label(fm["label"][1], f"{key}.label")
        values: tuple[str, ...] = ()
        if ftype == "enum" and "values" not in fm:
            self.problem(knode, f"{key}.values", "enum field without values: add 'values: [...]'")
        elif ftype == "enum":
            vnode = fm["values"][1]
            items = self.string_list(vnode, f"{key}.values", "a value")
            values = tuple(dict.fromkeys(v for v, _ in items))
            for i, (v, inode) in enumerate(items):
                if v in (w for w, _ in items[:i]):
                    self.problem(inode, f"{key}.values", f"duplicate value {v!r}")
            if not items and isinstance(vnode, SequenceNode):
                self.problem(vnode, f"{key}.values", "enum field without values: the list is empty")
        for extra in ("values", "value_labels"):
            if extra in fm and ftype is not None and ftype != "enum":
                self.problem(fm[extra][0], f"{key}.{extra}", f"{extra!r} is for enum fields only")
        value_labels: dict[str, Label] = {}
        if "value_labels" in fm and ftype == "enum":
            vl = self.mapping(fm["value_labels"][1], f"{key}.value_labels", ())
            for v, (vk, vv) in (vl or {}).items():
                if v not in values:
                    hint = did_you_mean(v, values)
                    msg = f"{v!r} is not one of the values ({', '.join(values)})"
                    self.problem(vk, f"{key}.value_labels.{v}", msg, hint)
                if lab := self.label(vv, f"{key}.value_labels.{v}"):
                    value_labels[v] = lab
        bounds: dict[str, float | None] = {"min": None, "max": None}
        for b in bounds:
            if b in fm and ftype is not None and ftype not in NUMERIC_TYPES:
                self.problem(fm[b][0], f"{key}.{b}", f"{b!r} is for int and number fields only")
            elif b in fm:
                bounds[b] = self.bound(fm[b][1], f"{key}.{b}", ftype)
        lo, hi = bounds["min"], bounds["max"]
        if lo is not None and hi is not None and lo > hi:
            self.problem(fm["max"][1], f"{key}.max", f"max {hi:g} is below min {lo:g}")
        default = None
        if "default" in fm and ftype is not None:
            default = self.field_default(fm["default"][1], f"{key}.default", ftype, values, lo, hi)
        personal = self.flag(fm["personal"][1], f"{key}.personal") if "personal" in fm else False
        help_label = self.label(fm["help"][1], f"{key}.help") if "help" in fm else None
        if ftype is None or label is None:
            return None
        return FieldDef(
            name=fname,
            type=ftype,
            label=label,
            values=values,
            value_labels=value_labels,
            min=lo,
            max=hi,
            default=default,
            personal=personal,
            help=help_label,
        )

    def bound(self, node: Node, key: str, ftype: str | None) -> float | None:
        """A `min` or `max`: a number the field's values can be stored with."""
        value = self.scalar(node, key, (int, float), "a number")
        if value is None:
            return None
        if err := storage_error(value):
            self.problem(node, key, f"{key.rsplit('.', 1)[-1]} out of range: {err}")
            return None
        if ftype == "int" and not INT_MIN <= value <= INT_MAX:
            msg = f"{key.rsplit('.', 1)[-1]} out of range: int fields hold 64-bit whole numbers"
            self.problem(node, key, msg)
            return None
        return value  # type: ignore[no-any-return]

    def field_default(
        self,
        node: Node,
        key: str,
        ftype: str,
        values: tuple[str, ...],
        lo: float | None,
        hi: float | None,
    ) -> object:
        ok, value = self.construct(node, key)
        if not ok:
            return None
        err = storage_error(value)
        if (
            not err
            and ftype == "int"
            and isinstance(value, int)
            and not INT_MIN <= value <= INT_MAX
        ):
            err = OUT_OF_RANGE
        if err:
            self.problem(node, key, f"default out of range: {err}")
            return None
        if err := check_value(ftype, values, value):
            self.problem(node, key, f"default of the wrong type: {err}")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if lo is not None and value < lo:
                self.problem(node, key, f"default {value:g} is below min {lo:g}")
            elif hi is not None and value > hi:
                self.problem(node, key, f"default {value:g} is above max {hi:g}")
        if isinstance(value, dt.date):  # keep case data JSON: dates as ISO text
            return value.isoformat()
        return value

    def build_tiers(self, node: Node | None) -> tuple[TierDef, ...]:
        if node is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, "tiers", "expected a list of tiers")
            return ()
        out: list[TierDef] = []
        for i, item in enumerate(node.value):
            key = f"tiers[{i}]"
            m = self.mapping(item, key, ("name", "label"), ("name", "label"))
            if not m or "name" not in m or "label" not in m:
                continue
            tname = self.name(m["name"][1], f"{key}.name", "tier name")
            if tname is not None and any(t.name == tname for t in out):
                self.problem(m["name"][1], f"{key}.name", f"duplicate tier {tname!r}")
            label = self.label(m["label"][1], f"{key}.label")
            if tname and label:
                out.append(TierDef(i, tname, label))
        return tuple(out)


def check_value(ftype: str, values: tuple[str, ...], value: object) -> str:
    """Why `value` does not fit a field of this type, or an empty string."""
    if value is None:
        return ""
    ok: dict[str, Callable[[object], bool]] = {
        "string": lambda v: isinstance(v, str),
        "text": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "enum": lambda v: isinstance(v, str) and v in values,
        "date": lambda v: _is_iso(v, date_only=True),
        "datetime": lambda v: _is_iso(v, date_only=False),
        "list": lambda v: isinstance(v, list),
    }
    if ok[ftype](value):
        if ftype == "int" and not INT_MIN <= value <= INT_MAX:  # type: ignore[operator]
            return OUT_OF_RANGE
        return storage_error(value)
    if ftype == "enum":
        hint = did_you_mean(value, values) if isinstance(value, str) and len(value) < 100 else ""
        return f"{shown(value)} is not one of {', '.join(values)}" + (f" ({hint})" if hint else "")
    return f"expected {ftype}, got {shown(value)}"


def storage_error(value: object) -> str:
    """Why a value of the right type cannot be stored, or an empty string: a number that is
    not finite (NaN, Infinity, or a whole number beyond the largest float, 1.8e308), anywhere
    inside it. (An `int` field is bounded tighter, to 64 bits: see check_value.)"""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, bool) or v is None or isinstance(v, str):
            continue
        if isinstance(v, int):
            if v.bit_length() > FLOAT_BITS:
                return NOT_FINITE
        elif isinstance(v, float):
            if not math.isfinite(v):
                return NOT_FINITE
        elif isinstance(v, list | tuple):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return ""


def shown(value: object, limit: int = 60) -> str:
    """`value` as an error message shows it: shortened, and a huge whole number by its size
    (never converted to text: Python refuses more than 4,300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"a whole number of about {digits} digits"
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "…"
    if isinstance(value, list | tuple | dict) and len(value) > limit:
        return f"a {kind_of(value)} of {len(value)} items"
    try:
        text = repr(value)
    except ValueError:  # a huge whole number inside a list
        return f"a {kind_of(value)}"
    return text if len(text) <= limit else text[:limit] + "…"


def kind_of(value: object) -> str:
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "text" if isinstance(value, str) else "value"


def _is_iso(value: object, date_only: bool) -> bool:
    """A date (YYYY-MM-DD) or, unless `date_only`, a date and time, as an object or ISO text."""
    if isinstance(value, dt.datetime):
        return not date_only
    if isinstance(value, dt.date):
        return True
    if not isinstance(value, str):
        return False
    try:
        if date_only:
            dt.date.fromisoformat(value)
        else:
            dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _percent(value: object) -> float | None:
    """80% or 80 or 0.8 -> 0.8; None unless between 1% and 99%."""
    share: float | None = None
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        share = value / 100 if value > 1 else float(value)
    return share if share is not None and 0.01 <= share <= 0.99 else None


def _name_offset(source: str, name: str) -> int:
    """Character offset of the first use of `name` in an expression's source (0 if not found)."""
    stripped = source.lstrip()
    shift = len(source) - len(stripped)
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError):
        return 0
    uses = [
        (n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name
    ]
    if not uses:
        return 0
    lineno, byte_col = min(uses)
    lines = stripped.split("\n")
    chars = len(lines[lineno - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
    return shift + sum(len(line) + 1 for line in lines[: lineno - 1]) + chars
