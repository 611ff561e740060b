"""Arithmetic expressions to Value graphs, for the command line: parsed, never evaluated.

``parse("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88})`` builds the graph with the
engine's operations. The text goes through ``ast.parse`` and a whitelist of
node types, numbers, variables and functions; nothing in it is ever run as Python,
so ``__import__('os')`` is only an unknown function.

Examples:
    >>> y = parse("x*x + 3*x", {"x": 2.0})
    >>> y.backward()
    >>> y.data, y.parents[0].parents[0].grad
    (10.0, 7.0)
"""

import ast
import keyword
import math
import numbers
import operator
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import engine
from engine import Value, ops
from viz.drawing.text import shorten

MAX_LENGTH = 10_000
"""The longest expression accepted, in characters."""
MAX_NESTING = 100
"""The deepest nesting of brackets (or run of unary signs) accepted."""
_FRAGMENT = 60  # longest fragment quoted in a message
QUOTE = 60
"""The most characters of a name or list of names that an error message quotes."""


@dataclass(frozen=True)
class Function:
    """A function an expression may call, and the arguments it takes."""

    apply: Callable[..., Value]
    """Makes the node: ``apply(x)``, ``apply(x, parameter)`` or, n-ary, ``apply([a, b, ...])``."""
    parameter: str = ""
    """The name of an optional second argument, a number written as a literal ("" for none)."""
    nary: bool = False
    """Whether it takes any number (at least one) of Value arguments."""

    def usage(self, name: str) -> str:
        """Return how to call it, e.g. ``usage: leaky_relu(x[, slope])``."""
        if self.nary:
            return f"usage: {name}(a, b, ...)"
        return f"usage: {name}(x[, {self.parameter}])" if self.parameter else f"usage: {name}(x)"


def _function(op: ops.Op) -> Function:
    """How an expression calls a row of the table: ``x.exp()`` as ``exp(x)``, ``engine.sum``."""
    if op.arity == 0:
        return Function(getattr(engine, op.name), nary=True)
    if op.arity == 2:
        raise ImportError(f"the command line has no functions of two operands, as {op.name!r}")
    return Function(getattr(Value, op.name), parameter=op.params[0] if op.params else "")


class _Functions(Mapping[str, Function]):
    """The rows of ``engine.ops.TABLE`` that a student calls by name, read from it as it is."""

    def __init__(self) -> None:
        self._table: tuple[ops.Op, ...] = ()
        self._functions: dict[str, Function] = {}

    def _now(self) -> dict[str, Function]:
        if self._table is not ops.TABLE:
            called = sorted((op for op in ops.TABLE if op.called), key=lambda op: op.name)
            self._functions = {op.name: _function(op) for op in called}
            self._table = ops.TABLE
        return self._functions

    def __getitem__(self, name: str) -> Function:
        return self._now()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())


FUNCTIONS: Mapping[str, Function] = _Functions()
"""The functions an expression may call, by name: each row of the engine's table that a
student calls by its name (``exp(x)`` for ``x.exp()``, ``sum(a, b)`` for ``engine.sum``),
in alphabetical order. The first parameter of the row's ``local`` (after ``m``), if it
has one, is the function's optional second argument: ``leaky_relu(x, slope)``."""
_ = FUNCTIONS["exp"]  # read the table now: a row the command line cannot call fails here

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Value], Value]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}
_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.IfExp: "conditional expressions (if/else) are not allowed",
    ast.Tuple: "tuples (a comma outside a call) are not allowed",
    ast.List: "lists are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


class ExpressionError(ValueError):
    """An expression (or a variable) that cannot be built; the message points at the problem.

    ``column`` (1-based, in characters) and ``fragment`` (the offending source text)
    are set when the problem has a place in the expression, else None and "".
    """

    def __init__(self, message: str, column: int | None = None, fragment: str = "") -> None:
        super().__init__(message)
        self.column = column
        self.fragment = fragment


# -- the public functions ---------------------------------------------------------------


def parse(text: str, variables: Mapping[str, float]) -> Value:
    """Return the Value graph of ``text``; each variable is one labelled leaf, reused.

    Allowed: numbers, the names in ``variables``, ``+ - * / **``, unary ``-`` and
    ``+``, parentheses, and calls of ``FUNCTIONS`` (``tanh(x)``,
    ``leaky_relu(x, 0.1)``, ``softplus(x, 2)``, ``sum(a, b, c)``). Anything else is an
    [`ExpressionError`][viz.cli.expression.ExpressionError] naming the column and the offending
    fragment.
    """
    leaves = {
        name: Value(number, label=name)
        for name, number in (check_variable(k, v) for k, v in variables.items())
    }
    if len(leaves) != len(variables):
        raise ExpressionError("two variables have the same name (after Unicode normalization)")
    source, shift = _prepare(text)
    try:
        with warnings.catch_warnings():
            # "1if x else 2" is only a warning to Python, printed on stderr: make it an error.
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise _syntax_error(e, source, shift) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "the expression is too deeply nested for Python's parser; "
            "split a long chain of operators with parentheses, or use sum(a, b, ...)"
        ) from None
    return _Builder(source, shift, leaves).build(tree.body)


def parse_variable(text: str) -> tuple[str, float]:
    """Return ``(name, value)`` from ``NAME=VALUE``; raise ExpressionError if it is not one."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise ExpressionError(f"variables are written NAME=VALUE (like x=2), got {text!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ExpressionError(
            f"the value of {name.strip()!r} must be a number, got {raw!r}"
        ) from None
    return check_variable(name.strip(), value)


def check_variable(name: str, value: object) -> tuple[str, float]:
    """Return ``(name, value)`` checked: an identifier, not a function, a finite real number.

    The name comes back as Python reads identifiers (NFKC-normalized).
    """
    if isinstance(name, str) and name.isidentifier():
        name = unicodedata.normalize("NFKC", name)
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"{name!r} is not a valid variable name (like x, w1 or bias)")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is the name of a function; choose another variable name")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ExpressionError(
            f"the value of {name!r} must be a real number, got {type(value).__name__}"
        )
    number = float(value)
    if not math.isfinite(number):
        raise ExpressionError(f"the value of {name!r} must be finite, got {number!r}")
    return name, number


# -- before ast.parse: length, characters, nesting ---------------------------------------


def _prepare(text: str) -> tuple[str, int]:
    """Check the raw text; return it without leading blanks, and how many were dropped."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty")
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
            what = "line breaks are not allowed (the expression is one line)"
        elif category == "Cc" and char != "\t":
            what = "control characters are not allowed"
        elif category == "Cs":  # a byte that was not UTF-8, as Python passes it on
            what = "characters that are not UTF-8 are not allowed"
        else:
            continue
        raise ExpressionError(f"{what} at column {index + 1}: {char!r}", index + 1, repr(char))
    _check_nesting(text)
    source = text.lstrip(" \t")
    return source, len(text) - len(source)


def _check_nesting(text: str) -> None:
    """Refuse deep nesting before ast.parse, whose C parser has limits of its own.

    Brackets count, and so does a run of unary signs (``- - -x`` is three levels);
    a sign right after an operand is the binary operator, not a level.
    """
    depth = 0
    signs = 0
    limit = MAX_NESTING
    previous = ""  # the last character but blanks
    for index, char in enumerate(text):
        problem = ""
        if char in "([{":
            depth += 1
            problem = "brackets are" if depth > MAX_NESTING else ""
        elif char in ")]}":
            depth = max(0, depth - 1)
        if char in "+-~":
            if not signs:
                after_operand = previous != "" and (previous.isalnum() or previous in "_.)]}")
                limit = MAX_NESTING + after_operand
            signs += 1
            problem = "unary signs are" if signs > limit else ""
        elif char not in " \t":
            signs = 0
        if problem:
            fragment = _clip(text[index:])
            raise ExpressionError(
                f"{problem} nested more than {MAX_NESTING} deep at column {index + 1}: {fragment}",
                index + 1,
                fragment,
            )
        if char not in " \t":
            previous = char


def _syntax_error(e: SyntaxError, source: str, shift: int) -> ExpressionError:
    """Turn the parser's SyntaxError into one line with the column and what stands there."""
    offset = e.offset if e.offset and 1 <= e.offset <= len(source) else len(source) + 1
    fragment = _clip(source[offset - 1 :]) or "the end of the expression"
    problem = "invalid syntax" if e.msg == "invalid syntax" else f"invalid syntax ({e.msg})"
    column = offset + shift
    return ExpressionError(f"{problem} at column {column}: {fragment}", column, fragment)


def _clip(fragment: str) -> str:
    return fragment if len(fragment) <= _FRAGMENT else fragment[: _FRAGMENT - 3] + "..."


# -- walking the tree against the whitelist --------------------------------------------


class _Builder:
    """Builds the graph of one parsed expression, checking every node on the way."""

    def __init__(self, source: str, shift: int, leaves: Mapping[str, Value]) -> None:
        self.source = source
        self.encoded = source.encode("utf-8")  # ast's col_offset counts UTF-8 bytes
        self.shift = shift
        self.leaves = leaves

    def build(self, tree: ast.expr) -> Value:
        """Build bottom-up with an explicit stack, so long expressions need no recursion."""
        results: list[Value] = []
        stack: list[tuple[ast.expr, int]] = [(tree, -1)]
        while stack:
            node, count = stack.pop()
            if count < 0:
                children = self.operands(node)
                stack.append((node, len(children)))
                stack.extend((child, -1) for child in reversed(children))
                continue
            args = results[len(results) - count :]
            del results[len(results) - count :]
            results.append(self.apply(node, args))
        (result,) = results
        return result

    def fail(self, problem: str, node: ast.AST, hint: str = "") -> ExpressionError:
        """Return the error for ``node``: the problem, its column and fragment, and a hint."""
        offset = getattr(node, "col_offset", 0)
        column = len(self.encoded[:offset].decode("utf-8", errors="replace")) + 1 + self.shift
        fragment = _clip(ast.get_source_segment(self.source, node) or "")
        message = f"{problem} at column {column}: {fragment}"
        return ExpressionError(f"{message} ({hint})" if hint else message, column, fragment)

    def operands(self, node: ast.expr) -> list[ast.expr]:
        """Check ``node`` against the whitelist; return the operands to build before it."""
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.fail(self.operator(node.op), node, "use + - * / **")
            if _power_of_a_literal(node):
                self.literal(node.right, "the exponent")
                return [node.left]  # x ** 2 is the engine's "**2" node, as in Python
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY:
                raise self.fail(self.operator(node.op), node, "use + - * / **")
            return [node.operand]
        if isinstance(node, ast.Constant):
            self.number(node)
            return []
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                usage = FUNCTIONS[node.id].usage(node.id)
                raise self.fail(f"the function {node.id!r} must be called", node, usage)
            if node.id not in self.leaves:
                raise self.fail(f"unknown name {shorten(node.id, QUOTE)!r}", node, self.names())
            return []
        if isinstance(node, ast.Call):
            return self.call_operands(node)
        problem = _FORBIDDEN.get(type(node), f"{type(node).__name__} expressions are not allowed")
        raise self.fail(problem, node)

    def operator(self, op: ast.AST) -> str:
        """Describe an operator that is not allowed."""
        return f"the operator {_SYMBOLS.get(type(op), type(op).__name__)!r} is not allowed"

    def names(self) -> str:
        """List the variables and functions an expression may use, for a hint."""
        variables = shorten(", ".join(sorted(self.leaves)), QUOTE) or "none given"
        return f"variables: {variables}; functions: {', '.join(FUNCTIONS)}"

    def call_operands(self, node: ast.Call) -> list[ast.expr]:
        """Check a call: a known function, positional arguments, the right number of them."""
        if isinstance(node.func, ast.Attribute):
            raise self.fail("attribute access is not allowed", node.func)
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the engine's functions can be called", node, self.names())
        name = node.func.id
        function = FUNCTIONS.get(name)
        if function is None and name in self.leaves:
            raise self.fail(
                f"{name!r} is a variable, not a function",
                node,
                f"functions: {', '.join(FUNCTIONS)}",
            )
        if function is None:
            raise self.fail(
                f"unknown function {name!r}", node, f"functions: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node, function.usage(name))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail("starred arguments are not allowed", arg, function.usage(name))
        count = len(node.args)
        if function.nary:
            if count == 0:
                raise self.fail(f"{name}() needs at least one argument", node, function.usage(name))
            return list(node.args)
        most = 2 if function.parameter else 1
        if not 1 <= count <= most:
            takes = "1 or 2 arguments" if most == 2 else "1 argument"
            raise self.fail(f"{name}() takes {takes}, got {count}", node, function.usage(name))
        if count == 2:
            self.literal(node.args[1], f"{name}'s {function.parameter}")
        return node.args[:1]

    def literal(self, node: ast.expr, what: str) -> float:
        """Return the number a literal (``0.1``, ``-0.1``) stands for; else fail naming ``what``."""
        if not _is_literal(node):
            raise self.fail(f"{what} must be a number written out, like 0.1", node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            number = self.number(node.operand)
            return -number if isinstance(node.op, ast.USub) else number
        assert isinstance(node, ast.Constant)
        return self.number(node)

    def number(self, node: ast.Constant) -> float:
        """Return a numeric literal as a finite float; anything else is an error."""
        value = node.value
        if type(value) not in (int, float):
            raise self.fail(_constant_problem(value), node)
        assert isinstance(value, int | float)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail("the number is too large to be a finite float", node)
        return number

    def apply(self, node: ast.expr, args: list[Value]) -> Value:
        """Make the Value of a checked ``node`` from its built operands."""
        try:
            if isinstance(node, ast.Constant):
                return Value(self.number(node))
            if isinstance(node, ast.Name):
                return self.leaves[node.id]
            if isinstance(node, ast.BinOp):
                if _power_of_a_literal(node):
                    return args[0] ** self.literal(node.right, "the exponent")
                return _BINARY[type(node.op)](args[0], args[1])
            if isinstance(node, ast.UnaryOp):
                return _UNARY[type(node.op)](args[0])
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            name = node.func.id
            function = FUNCTIONS[name]
            if function.nary:
                return function.apply(args)
            if len(node.args) == 2:
                return function.apply(args[0], self.literal(node.args[1], name))
            return function.apply(args[0])
        except ExpressionError:
            raise
        except (ArithmeticError, TypeError, ValueError) as e:
            raise self.fail(str(e), node) from None


def _is_literal(node: ast.expr) -> bool:
    """Whether ``node`` is a number written out, with at most one sign: ``2``, ``-0.5``."""
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _power_of_a_literal(node: ast.BinOp) -> bool:
    return isinstance(node.op, ast.Pow) and _is_literal(node.right)


def _constant_problem(value: object) -> str:
    if isinstance(value, bool):
        return "True and False are not allowed (write 1 or 0)"
    if value is None:
        return "None is not allowed"
    if value is Ellipsis:
        return "... is not allowed"
    described = {str: "strings", bytes: "bytes", complex: "complex numbers"}
    return f"{described.get(type(value), type(value).__name__ + ' literals')} are not allowed"
