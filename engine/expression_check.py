"""The static type check of guards and `set:` effects, run when a definition loads.

Each compiled expression is walked once, bottom up, with the types of engine.expression_types:
a field is what its declaration says, a literal is itself, an operator or a function gives what
the run time would. A mistake that always fails or is always false on valid case data is
reported with its character offset in the expression (the loader maps it to file:line:col), and
the part it spoils counts as "any value" from then on, so one mistake is one problem.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from engine.definition import FieldDef
from engine.expression_types import (
    ANY,
    BOOL,
    SIGNATURES,
    Type,
    arith_type,
    constant_type,
    describe,
    field_type,
    fit_problem,
    never_equal,
    orderable,
    sign_type,
    state_type,
    text_problem,
    union,
    unquoted_hint,
)
from engine.expression_values import IMPLEMENTATIONS, ExpressionError, arith, truthy
from engine.expressions import ALIASES, OP_SYMBOLS, Expression, SourcePositions

__all__ = ["MAX_PROBLEMS", "TypeChecker", "TypeProblem"]

#: Problems reported of one expression at most (a list of 300 misspelt values is not worth
#: 300 "did you mean"s).
MAX_PROBLEMS: Final = 10
_ALWAYS: Final[Mapping[str, str]] = {
    "==": "'==' is always false",
    "!=": "'!=' is always true",
    "in": "this item never matches",
    "not in": "this item never matches",
}


@dataclass(frozen=True, slots=True)
class TypeProblem:
    """A mistake in an expression, at a character offset of its source."""

    offset: int
    message: str
    hint: str = ""


class TypeChecker:
    """Checks the guards and effects of one definition against its fields; built once."""

    def __init__(
        self,
        fields: Mapping[str, FieldDef],
        states: Iterable[str] | None = None,
        declared: Iterable[str] = (),
    ) -> None:
        """`fields` are the fields read without problems; `declared` every field name written
        (one whose declaration has problems holds any value); `states` the state names, or
        None when they could not be read."""
        self.scope: dict[str, Type] = {name: field_type(f) for name, f in fields.items()}
        if "state" not in self.scope and "state" not in set(declared):
            self.scope["state"] = state_type(states) if states is not None else ANY

    def guard(self, expression: Expression) -> list[TypeProblem]:
        walk = _Walk(self.scope, expression)
        walk.type_of(walk.root)
        return walk.problems

    def effect(self, expression: Expression, target: FieldDef) -> list[TypeProblem]:
        """The problems of a `set:` value, and of each value it can give that `target` never
        takes (each branch of `a if c else b`, each operand of `or`, the last of `and`)."""
        walk = _Walk(self.scope, expression)
        walk.type_of(walk.root)
        if not walk.problems:
            walk.fit(walk.root, target)
        return walk.problems


class _Walk:
    """One expression's check: the type of each node, and the problems found."""

    def __init__(self, scope: Mapping[str, Type], expression: Expression) -> None:
        self.scope = scope
        tree = expression.tree
        if tree is None:
            tree = ast.parse(expression.source.lstrip(), mode="eval")
        self.root: ast.expr = tree.body
        self.source = expression.source
        self._positions: SourcePositions | None = None
        self.types: dict[int, Type] = {}
        self.problems: list[TypeProblem] = []

    @property
    def positions(self) -> SourcePositions:
        """Offsets in the source (worked out only when something is reported)."""
        if self._positions is None:
            self._positions = SourcePositions(self.source)
        return self._positions

    def report(self, offset: int, message: str, hint: str = "") -> Type:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(TypeProblem(offset, message, hint))
        return ANY

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def at(self, node: ast.AST) -> int:
        return self.positions.start(node)

    def operator_at(self, left: ast.AST, symbol: str) -> int:
        """The offset of the operator written after `left`."""
        found = self.positions.text.find(symbol, self.positions.end(left) - self.positions.shift)
        return found + self.positions.shift if found >= 0 else self.at(left)

    def type_of(self, node: ast.expr) -> Type:
        method = _METHODS.get(type(node))
        t = method(self, node) if method is not None else ANY
        self.types[id(node)] = t
        return t

    # -- leaves

    def constant(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.Constant)
        return constant_type(node.value)

    def name(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.Name)
        if node.id in ALIASES:
            return constant_type(ALIASES[node.id])
        return self.scope.get(node.id, ANY)  # an undeclared name is reported by the loader

    def sequence(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.List | ast.Tuple)
        items = [self.type_of(e) for e in node.elts]
        if all(t.known for t in items):
            values = [t.value for t in items]
            return constant_type(values if isinstance(node, ast.List) else tuple(values))
        return Type(frozenset({"list"}), nullable=False)

    # -- operators

    def boolean(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.BoolOp)
        return union([self.type_of(v) for v in node.values])

    def unary(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.UnaryOp)
        operand = self.type_of(node.operand)
        if isinstance(node.op, ast.Not):
            return BOOL
        symbol = "-" if isinstance(node.op, ast.USub) else "+"
        result = sign_type(operand)
        if result is None:
            return self.report(
                self.at(node), f"cannot apply unary '{symbol}' to {describe(operand)}"
            )
        if operand.known:
            value = operand.value
            return constant_type(-value if symbol == "-" else +value)  # type: ignore[operator]
        return result

    def binary(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.BinOp)
        left, right = self.type_of(node.left), self.type_of(node.right)
        symbol = OP_SYMBOLS[type(node.op)]
        result = arith_type(symbol, left, right)
        message = ""
        if result is None:
            message = f"cannot apply '{symbol}' to {describe(left)} and {describe(right)}"
        elif symbol in ("/", "//", "%") and right.known and right.value == 0:
            message = f"division by zero in '{symbol}'"
        elif left.known and right.known:
            try:
                return constant_type(arith(symbol, left.value, right.value))
            except (ExpressionError, TypeError, ValueError, ArithmeticError) as exc:
                message = str(exc)
        if message:
            return self.report(self.operator_at(node.left, symbol), message)
        assert result is not None
        return result

    def comparison(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.Compare)
        nodes = [node.left, *node.comparators]
        types = [self.type_of(n) for n in nodes]
        for i, op in enumerate(node.ops):
            symbol = OP_SYMBOLS[type(op)]
            left, right = types[i], types[i + 1]
            lnode, rnode = nodes[i], nodes[i + 1]
            if symbol in ("in", "not in"):
                self.membership(symbol, left, right, lnode, rnode)
            elif symbol in ("==", "!="):
                self.equality(symbol, left, right, lnode, rnode)
            else:
                self.ordering(symbol, left, right, lnode, rnode)
        return BOOL

    def conditional(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.IfExp)
        self.type_of(node.test)
        return union([self.type_of(node.body), self.type_of(node.orelse)])

    # -- comparisons

    def equality(self, symbol: str, a: Type, b: Type, anode: ast.AST, bnode: ast.AST) -> None:
        """`a == b` (or an item of `a in [...]`), reported at the literal, else at `b`."""
        if self.full or not never_equal(a, b):
            return
        at, hint = bnode, ""
        for lit, lnode, other in ((b, bnode, a), (a, anode, b)):
            if lit.known:
                at = lnode
                if isinstance(lit.value, str):
                    message, hint = text_problem(other, lit)
                    if message:
                        self.report(self.at(lnode), message, hint)
                        return
                    hint = unquoted_hint(lit.value, other.kinds)
                break
        message = f"{describe(a)} never equals {describe(b)}: {_ALWAYS[symbol]}"
        self.report(self.at(at), message, hint)

    def ordering(self, symbol: str, a: Type, b: Type, anode: ast.AST, bnode: ast.AST) -> None:
        for t, n in ((a, anode), (b, bnode)):
            if not t.kinds:
                self.report(self.at(n), f"'{symbol}' with null is always false")
                return
        if not orderable(a, b):
            at = anode if a.known and not b.known else bnode
            message = f"cannot compare {describe(a)} and {describe(b)} with '{symbol}'"
            self.report(self.at(at), message)
            return
        for d, lit, n in ((a, b, bnode), (b, a, anode)):
            if d.date and lit.known:
                message, hint = text_problem(d, lit, ordering=True)
                if message:
                    self.report(self.at(n), message, hint)
                    return

    def membership(
        self, symbol: str, item: Type, container: Type, inode: ast.AST, cnode: ast.AST
    ) -> None:
        """`item in container` (and contains(container, item))."""
        if not container.kinds:
            always = "false" if symbol == "in" else "true"
            self.report(self.at(cnode), f"'{symbol}' null is always {always}")
        elif isinstance(cnode, ast.List | ast.Tuple):
            for e in cnode.elts:
                self.equality(symbol, item, self.types[id(e)], inode, e)
        elif "list" in container.kinds:
            return
        elif "str" in container.kinds:
            if item.kinds and "str" not in item.kinds:
                self.report(
                    self.at(inode), f"cannot look for {describe(item)} in {describe(container)}"
                )
        else:
            message = f"'{symbol}' needs a string or list on the right, not {describe(container)}"
            self.report(self.at(cnode), message)

    # -- calls

    def call(self, node: ast.expr) -> Type:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.type_of(a) for a in node.args]
        if name == "contains":
            before = len(self.problems)
            self.membership("in", args[1], args[0], node.args[1], node.args[0])
            return BOOL if len(self.problems) == before else ANY
        if name in ("min", "max"):
            if not self.extreme(name, args, node.args):
                return ANY
        else:
            sig = SIGNATURES[name]
            for i, (a, anode) in enumerate(zip(args, node.args, strict=True)):
                j = min(i, len(sig.takes) - 1)
                if a.kinds and not a.kinds & sig.takes[j]:
                    return self.report(
                        self.at(anode), f"{name}() needs {sig.needs[j]}, not {describe(a)}"
                    )
        if len(args) == 1 and _fails_on_every_string(name, args[0]):
            message = f"{name}() fails on every value of {describe(args[0])}"
            return self.report(self.at(node), message)
        if all(a.known for a in args):
            try:
                return constant_type(IMPLEMENTATIONS[name][0](*(a.value for a in args)))
            except (ExpressionError, TypeError, ValueError, ArithmeticError) as exc:
                return self.report(self.at(node), str(exc))
        return SIGNATURES[name].returns(args)

    def extreme(self, name: str, args: list[Type], nodes: list[ast.expr]) -> bool:
        """min()/max(): one list, or values that can be ordered against each other."""
        if len(args) == 1:
            only = args[0]
            if only.kinds and "list" not in only.kinds:
                message = f"{name}() of one argument needs a list, not {describe(only)}"
                self.report(self.at(nodes[0]), message)
                return False
            if isinstance(nodes[0], ast.List | ast.Tuple):
                return self.extreme(name, [self.types[id(e)] for e in nodes[0].elts], nodes[0].elts)
            return True
        seen: dict[frozenset[str], Type] = {}  # one argument of each set of kinds so far
        for a, anode in zip(args, nodes, strict=True):
            other = next((t for t in seen.values() if not orderable(t, a)), None)
            if other is not None:
                message = f"{name}() cannot compare {describe(other)} and {describe(a)}"
                self.report(self.at(anode), message)
                return False
            seen.setdefault(a.kinds, a)
        return True

    # -- set: targets

    def fit(self, node: ast.expr, target: FieldDef) -> None:
        """Report each value `node` can give that `target` never takes."""
        if isinstance(node, ast.IfExp):
            test = self.types[id(node.test)]
            for branch, taken in ((node.body, True), (node.orelse, False)):
                if not test.known or truthy(test.value) is taken:
                    self.fit(branch, target)
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # `a or b` gives a when a is true (a false constant never), else b
            *first, last = node.values
            for value in first:
                t = self.types[id(value)]
                if not t.known or truthy(t.value):
                    self.fit(value, target)
            self.fit(last, target)
        elif isinstance(node, ast.BoolOp):
            # `a and b` gives b, or a when a is false: a false value of a's own type, which
            # may well fit (not reported)
            self.fit(node.values[-1], target)
        else:
            message, hint = fit_problem(self.types[id(node)], target)
            if message:
                self.report(self.at(node), message, hint)


def _fails_on_every_string(name: str, arg: Type) -> bool:
    """Whether function `name` fails on each string `arg` can be (int() of an enum field
    none of whose values is a number)."""
    if arg.kinds != {"str"} or not arg.strings or arg.known:
        return False
    for s in arg.strings:
        try:
            IMPLEMENTATIONS[name][0](s)
        except (ExpressionError, TypeError, ValueError, ArithmeticError):
            continue
        return False
    return True


_METHODS: Final[Mapping[type[ast.AST], Callable[[_Walk, ast.expr], Type]]] = {
    ast.Constant: _Walk.constant,
    ast.Name: _Walk.name,
    ast.List: _Walk.sequence,
    ast.Tuple: _Walk.sequence,
    ast.BoolOp: _Walk.boolean,
    ast.UnaryOp: _Walk.unary,
    ast.BinOp: _Walk.binary,
    ast.Compare: _Walk.comparison,
    ast.IfExp: _Walk.conditional,
    ast.Call: _Walk.call,
}
