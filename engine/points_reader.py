"""Reading a transition's `points:` effects (engine.points), each problem at its line and
column: an unknown key, no account or two, an account field that is not declared or cannot
hold a name, an amount that is no positive whole number or no int field, an unknown category."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode, SequenceNode

from engine.definition import PointsEffect
from engine.definition_reader import DefinitionReader
from engine.points import ACTOR, CASE_UNIT, CATEGORIES, MAX_AMOUNT, PERSON, REDEMPTION, UNIT
from engine.yaml_reader import did_you_mean

POINTS_KEYS = ("person", "unit", "award", "deduct", "category", "reason")
_KNOWN = f"categories: {', '.join(c for c in CATEGORIES if c != REDEMPTION)}"
_REDEMPTION_ONLY = "category 'redemption' is written by redemptions only, not by a workflow"
_NAME_TYPES = ("string", "enum")  # fields that can hold a person's name or a unit's code


def read_points(reader: DefinitionReader, node: Node, key: str) -> tuple[PointsEffect, ...]:
    """The effects listed under `points:` (a list of mappings)."""
    if not isinstance(node, SequenceNode):
        reader.problem(node, key, "expected a list of points entries")
        return ()
    out: list[PointsEffect] = []
    for i, item in enumerate(node.value):
        effect = _effect(reader, item, f"{key}[{i}]")
        if effect is not None:
            out.append(effect)
    return tuple(out)


def _effect(reader: DefinitionReader, node: Node, key: str) -> PointsEffect | None:
    m = reader.mapping(node, key, POINTS_KEYS, ("category", "reason"))
    if m is None:
        return None
    targets = [k for k in (PERSON, UNIT) if k in m]
    amounts = [k for k in ("award", "deduct") if k in m]
    ok = True
    if len(targets) != 1:
        msg = "a points entry needs either 'person' or 'unit'"
        reader.problem(m[targets[1]][0] if len(targets) > 1 else node, key, msg)
        ok = False
    if len(amounts) != 1:
        msg = "a points entry needs either 'award' or 'deduct'"
        reader.problem(m[amounts[1]][0] if len(amounts) > 1 else node, key, msg)
        ok = False
    account_kind = targets[0] if targets else PERSON
    account = None
    if targets:
        account = _account(reader, m[account_kind][1], f"{key}.{account_kind}", account_kind)
    amount, amount_field = (None, None)
    if amounts:
        amount, amount_field = _amount(reader, m[amounts[0]][1], f"{key}.{amounts[0]}")
    category, category_field = (
        _category(reader, m["category"][1], f"{key}.category") if "category" in m else (None, None)
    )
    reason = reader.label(m["reason"][1], f"{key}.reason") if "reason" in m else None
    if (
        not ok
        or account is None
        or (amount is None and amount_field is None)
        or (category is None and category_field is None)
        or reason is None
    ):
        return None
    return PointsEffect(
        account_kind=account_kind,
        account_from=account,
        amount=amount,
        amount_field=amount_field,
        deduct=amounts[0] == "deduct",
        category=category,
        category_field=category_field,
        reason=reason,
    )


def _account(reader: DefinitionReader, node: Node, key: str, kind: str) -> str | None:
    """`person: actor` or `unit: case`, or a declared string or enum field."""
    name: str | None = reader.scalar(node, key, str, "a field name")
    if name is None:
        return None
    own = ACTOR if kind == PERSON else CASE_UNIT
    if name == own:
        return name
    if name not in reader.field_names:
        known = [own, *sorted(reader.field_names)]
        msg = f"unknown {kind} {name!r}: write {own!r} or a declared field"
        reader.problem(node, key, msg, did_you_mean(name, known))
        return None
    f = reader.fields.get(name)
    if f is not None and f.type not in _NAME_TYPES:
        msg = f"{kind} field {name!r} is a {f.type} field, not a string or enum"
        reader.problem(node, key, msg)
        return None
    return name


def _amount(reader: DefinitionReader, node: Node, key: str) -> tuple[int | None, str | None]:
    """A whole number of points from 1 to MAX_AMOUNT, or a declared int field."""
    if not isinstance(node, ScalarNode):
        reader.problem(node, key, "expected a whole number of points or an int field")
        return None, None
    ok, value = reader.construct(node, key)
    if not ok:
        return None, None
    if isinstance(value, str) and value in reader.field_names:
        f = reader.fields.get(value)
        if f is not None and f.type != "int":
            reader.problem(node, key, f"amount field {value!r} is a {f.type} field, not an int")
            return None, None
        return None, value
    if isinstance(value, bool) or not isinstance(value, int):
        hint = did_you_mean(value, sorted(reader.field_names)) if isinstance(value, str) else ""
        msg = f"amount {node.value!r} is not a whole number of points nor an int field"
        reader.problem(node, key, msg, hint)
        return None, None
    if not 1 <= value <= MAX_AMOUNT:
        msg = f"amount {value} must lie between 1 and {MAX_AMOUNT}"
        reader.problem(node, key, msg, "write 'deduct' to take points away")
        return None, None
    return value, None


def _category(reader: DefinitionReader, node: Node, key: str) -> tuple[str | None, str | None]:
    """A known category, or an enum field whose every value is one."""
    name = reader.scalar(node, key, str, "a points category or an enum field")
    if name is None:
        return None, None
    if name == REDEMPTION:
        reader.problem(node, key, _REDEMPTION_ONLY)
        return None, None
    if name in CATEGORIES:
        return name, None
    if name in reader.field_names:
        f = reader.fields.get(name)
        if f is None:
            return None, None
        if f.type != "enum":
            reader.problem(node, key, f"category field {name!r} is a {f.type} field, not an enum")
            return None, None
        unknown = [v for v in f.values if v not in CATEGORIES or v == REDEMPTION]
        if unknown:
            msg = f"category field {name!r} has values that are no points category: "
            reader.problem(node, key, msg + ", ".join(unknown), _KNOWN)
            return None, None
        return None, name
    hint = did_you_mean(name, [*CATEGORIES, *sorted(reader.field_names)])
    reader.problem(node, key, f"unknown points category {name!r}", hint or _KNOWN)
    return None, None
