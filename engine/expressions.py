"""Safe expressions for transition guards and `set:` effects.

Source text is parsed with :mod:`ast`, checked against a whitelist and compiled into nested
closures; nothing is ever passed to ``eval``. The work is bounded before it starts: a source
longer than MAX_LENGTH characters or nested deeper than MAX_DEPTH is refused with its position.
Operations on constants only are worked out once, when compiling: one that always yields a
number the store cannot keep (``1e308 * 10``, a whole number beyond 64 bits) is refused then.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Final

from engine.expression_values import (
    FUNCTIONS,
    IMPLEMENTATIONS,
    ExpressionError,
    arith,
    compare,
    is_number,
    kind,
    truthy,
)

__all__ = [
    "FUNCTIONS",
    "Expression",
    "ExpressionError",
    "SourcePositions",
    "compile_expression",
    "truthy",
]

Scope = Mapping[str, object]
Evaluator = Callable[[Scope], object]

ALIASES: Final[Mapping[str, object]] = {"true": True, "false": False, "null": None}
MAX_DEPTH: Final = 100
MAX_LENGTH: Final = 1000
_INT64: Final = 2**63


class Expression:
    """A compiled expression; immutable and safe to share between threads. `tree` is the
    parsed source (of the text without its leading blanks: see SourcePositions), kept for
    the static checks of engine.expression_types."""

    __slots__ = ("_fn", "names", "source", "tree")

    def __init__(
        self,
        source: str,
        names: frozenset[str],
        fn: Evaluator,
        tree: ast.Expression | None = None,
    ) -> None:
        self.source = source
        self.names = names
        self._fn = fn
        self.tree = tree

    def evaluate(self, data: Mapping[str, object]) -> object:
        """Evaluate against case data; a missing name is None."""
        try:
            return self._fn(data)
        except ExpressionError:
            raise
        except RecursionError:
            raise ExpressionError("expression is too deeply nested") from None
        except (TypeError, ValueError, ArithmeticError, MemoryError) as exc:
            raise ExpressionError(f"cannot evaluate: {exc}") from None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return self.source == other.source

    def __hash__(self) -> int:
        return hash(self.source)


def compile_expression(source: str) -> Expression:
    """Parse, check and compile ``source``; raise :class:`ExpressionError` if it is not allowed."""
    if not isinstance(source, str):
        raise ExpressionError(f"expected an expression string, not {kind(source)}")
    stripped = source.lstrip()
    shift = len(source) - len(stripped)
    if not stripped.strip():
        raise ExpressionError("empty expression", 0)
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(source)} characters; at most {MAX_LENGTH})", MAX_LENGTH
        )
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(exc, stripped, shift) from None
    except ValueError as exc:  # e.g. NUL characters
        raise ExpressionError(f"syntax error: {exc}", shift) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too deeply nested", shift) from None
    compiler = _Compiler(source)
    fn = compiler.compile(tree.body, 0)
    return Expression(source, frozenset(compiler.names), fn, tree)


class SourcePositions:
    """Where the nodes parsed from an expression lie in its source, as character offsets
    (ast reports UTF-8 byte columns of the text without its leading blanks)."""

    __slots__ = ("_line_starts", "_lines", "shift", "text")

    def __init__(self, source: str) -> None:
        self.text = source.lstrip()
        self.shift = len(source) - len(self.text)
        self._lines = self.text.split("\n")
        self._line_starts = [0]
        for line in self._lines[:-1]:
            self._line_starts.append(self._line_starts[-1] + len(line) + 1)

    def start(self, node: ast.AST) -> int:
        """Character offset of the first character of `node` in the source."""
        return self._offset(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> int:
        """Character offset just after `node` in the source."""
        end_line: int | None = getattr(node, "end_lineno", None)
        end_col: int | None = getattr(node, "end_col_offset", None)
        if end_line is None or end_col is None:
            return self.start(node)
        return self._offset(end_line, end_col)

    def _offset(self, lineno: int, byte_col: int) -> int:
        if not 1 <= lineno <= len(self._lines):
            return self.shift
        line = self._lines[lineno - 1]
        chars = len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
        return self.shift + self._line_starts[lineno - 1] + chars


# --------------------------------------------------------------------------- errors / helpers


def _syntax_error(exc: SyntaxError, text: str, shift: int) -> ExpressionError:
    lineno = exc.lineno or 1
    offset = exc.offset or 0
    lines = text.split("\n")
    if offset < 1 or lineno < 1 or lineno > len(lines):
        return ExpressionError(
            f"syntax error: incomplete expression ({exc.msg})", shift + len(text)
        )
    col = sum(len(line) + 1 for line in lines[: lineno - 1]) + offset - 1
    return ExpressionError(f"syntax error: {exc.msg}", shift + min(col, len(text)))


OP_SYMBOLS: Final[Mapping[type[ast.AST], str]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}

_REJECTED: Final[Mapping[type[ast.AST], str]] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts (indexing and slicing) are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Set: "set literals are not allowed",
    ast.Starred: "starred arguments (*x) are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


# --------------------------------------------------------------------------- runtime operations


# --------------------------------------------------------------------------- compiler


class _Compiler:
    def __init__(self, source: str) -> None:
        self.positions = SourcePositions(source)
        self.names: set[str] = set()
        # The evaluators of constant sub-expressions, with their values (worked out once).
        self.constants: dict[Evaluator, object] = {}

    def col(self, node: ast.AST) -> int:
        """Character offset of ``node`` in the original source."""
        return self.positions.start(node)

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        return ExpressionError(message, self.col(node))

    def constant(self, node: ast.AST, value: object) -> Evaluator:
        """An evaluator of a value known now; a number the store cannot keep is refused."""
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, "this always computes a number that is not finite")
        if isinstance(value, int) and not -_INT64 <= value < _INT64:
            raise self.fail(node, "this always computes a whole number beyond 64 bits")

        def fixed(_data: Scope) -> object:
            return value

        self.constants[fixed] = value
        return fixed

    def folded(self, node: ast.AST, fn: Evaluator, parts: list[Evaluator]) -> Evaluator:
        """`fn` itself, or its value when every part is a constant (worked out once; a
        failure is left to evaluation, which reports it)."""
        if not all(p in self.constants for p in parts):
            return fn
        try:
            value = fn({})
        except (ExpressionError, TypeError, ValueError, ArithmeticError):
            return fn
        return self.constant(node, value)

    def compile(self, node: ast.expr, depth: int) -> Evaluator:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression is too deeply nested (more than {MAX_DEPTH})")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            message = _REJECTED.get(type(node), f"{type(node).__name__} is not allowed")
            raise self.fail(node, message)
        fn: Evaluator = method(node, depth + 1)
        return fn

    # -- leaves

    def _Constant(self, node: ast.Constant, depth: int) -> Evaluator:
        value = node.value
        if value is Ellipsis:
            raise self.fail(node, "'...' is not allowed")
        if isinstance(value, bytes):
            raise self.fail(node, "bytes literals are not allowed")
        if isinstance(value, complex):
            raise self.fail(node, "complex numbers are not allowed")
        return self.constant(node, value)

    def _Name(self, node: ast.Name, depth: int) -> Evaluator:
        name = node.id
        if name in ALIASES:
            value = ALIASES[name]
            return lambda _data: value
        if name in IMPLEMENTATIONS:
            raise self.fail(node, f"function {name!r} must be called, e.g. {name}(x)")
        if not isinstance(node.ctx, ast.Load):
            raise self.fail(node, "assignment is not allowed")
        self.names.add(name)

        def lookup(data: Scope) -> object:
            return data.get(name)

        return lookup

    def _List(self, node: ast.List, depth: int) -> Evaluator:
        items = [self.compile(e, depth) for e in node.elts]
        return lambda data: [f(data) for f in items]

    def _Tuple(self, node: ast.Tuple, depth: int) -> Evaluator:
        items = [self.compile(e, depth) for e in node.elts]
        return lambda data: tuple(f(data) for f in items)

    # -- operators

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Evaluator:
        parts = [self.compile(v, depth) for v in node.values]
        if isinstance(node.op, ast.And):

            def all_of(data: Scope) -> object:
                value: object = None
                for part in parts:
                    value = part(data)
                    if not truthy(value):
                        return value
                return value

            return all_of

        def any_of(data: Scope) -> object:
            value: object = None
            for part in parts:
                value = part(data)
                if truthy(value):
                    return value
            return value

        return any_of

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Evaluator:
        operand = self.compile(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return lambda data: not truthy(operand(data))
        if isinstance(node.op, ast.USub | ast.UAdd):
            negate = isinstance(node.op, ast.USub)
            symbol = "-" if negate else "+"

            def sign(data: Scope) -> object:
                value = operand(data)
                if not is_number(value):
                    raise ExpressionError(f"cannot apply unary '{symbol}' to {kind(value)}")
                return -value if negate else +value  # type: ignore[operator]

            return self.folded(node, sign, [operand])
        symbol = OP_SYMBOLS.get(type(node.op), type(node.op).__name__)
        raise self.fail(node, f"operator '{symbol}' is not allowed")

    def _BinOp(self, node: ast.BinOp, depth: int) -> Evaluator:
        symbol = OP_SYMBOLS.get(type(node.op), type(node.op).__name__)
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.FloorDiv | ast.Mod):
            raise self.fail(node, f"operator '{symbol}' is not allowed; use + - * / // %")
        left = self.compile(node.left, depth)
        right = self.compile(node.right, depth)

        def apply(data: Scope) -> object:
            return arith(symbol, left(data), right(data))

        return self.folded(node, apply, [left, right])

    def _Compare(self, node: ast.Compare, depth: int) -> Evaluator:
        symbols: list[str] = []
        for op in node.ops:
            symbol = OP_SYMBOLS.get(type(op), type(op).__name__)
            if isinstance(op, ast.Is | ast.IsNot):
                hint = "==" if isinstance(op, ast.Is) else "!="
                raise self.fail(node, f"operator '{symbol}' is not allowed; use {hint}")
            symbols.append(symbol)
        first = self.compile(node.left, depth)
        rest = [self.compile(c, depth) for c in node.comparators]
        if len(rest) == 1:
            only_symbol, only = symbols[0], rest[0]
            return lambda data: compare(only_symbol, first(data), only(data))
        pairs = list(zip(symbols, rest, strict=True))

        def chain(data: Scope) -> object:
            left = first(data)
            for symbol, fn in pairs:
                right = fn(data)
                if not compare(symbol, left, right):
                    return False
                left = right
            return True

        return chain

    def _IfExp(self, node: ast.IfExp, depth: int) -> Evaluator:
        test = self.compile(node.test, depth)
        then = self.compile(node.body, depth)
        other = self.compile(node.orelse, depth)
        return lambda data: then(data) if truthy(test(data)) else other(data)

    def _Call(self, node: ast.Call, depth: int) -> Evaluator:
        allowed = ", ".join(FUNCTIONS)
        func = node.func
        if not isinstance(func, ast.Name):
            if type(func) in _REJECTED:
                raise self.fail(func, _REJECTED[type(func)])
            raise self.fail(func, f"only these functions can be called: {allowed}")
        name = func.id
        if name not in IMPLEMENTATIONS:
            raise self.fail(func, f"function {name!r} is not allowed; allowed: {allowed}")
        if node.keywords:
            raise self.fail(node.keywords[0].value, "keyword arguments are not allowed")
        impl, least, most = IMPLEMENTATIONS[name]
        count = len(node.args)
        if count < least or (most is not None and count > most):
            if most is None:
                wanted = f"at least {least} argument" + ("s" if least != 1 else "")
            elif least == most:
                wanted = f"{least} argument" + ("s" if least != 1 else "")
            else:
                wanted = f"{least} to {most} arguments"
            raise self.fail(node, f"{name}() takes {wanted}, got {count}")
        args = [self.compile(a, depth) for a in node.args]
        if len(args) == 1:
            only = args[0]

            def call_one(data: Scope) -> object:
                return impl(only(data))

            return self.folded(node, call_one, args)

        def call(data: Scope) -> object:
            return impl(*(a(data) for a in args))

        return self.folded(node, call, args)
