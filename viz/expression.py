"""Arithmetic expressions to Value graphs, for the command line: parsed, never evaluated.

``parse("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88})`` builds the graph with the
engine's operations. The text goes through :func:`ast.parse` and a whitelist of
node types, numbers, variables and functions; nothing in it is ever run as Python,
so ``__import__('os')`` is only an unknown function.
"""

import ast
import keyword
import math
from collections.abc import Callable, Mapping

import engine
from engine import Value

MAX_LENGTH = 10_000
MAX_NESTING = 100

# Functions of one Value, and their optional numeric parameters.
UNARY: dict[str, Callable[..., Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "abs": Value.abs,
    "sin": Value.sin,
    "cos": Value.cos,
    "softplus": Value.softplus,  # softplus(x, beta)
    "leaky_relu": Value.leaky_relu,  # leaky_relu(x, slope)
}
PARAMETERS = {"softplus": "beta", "leaky_relu": "slope"}
NARY: dict[str, Callable[[list[Value]], Value]] = {
    "sum": engine.sum,
    "logsumexp": engine.logsumexp,
}
FUNCTIONS = sorted([*UNARY, *NARY])

_BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class ExpressionError(ValueError):
    """An expression the command line cannot build; the message points at the problem."""


def parse(text: str, variables: Mapping[str, float]) -> Value:
    """Return the Value graph of ``text``; each variable is one labelled leaf, reused.

    Allowed: numbers, the names in ``variables``, ``+ - * / **``, unary ``-`` and
    ``+``, parentheses, and calls of the engine's functions (``tanh(x)``,
    ``leaky_relu(x, 0.1)``, ``sum(a, b, c)``). Anything else is an
    :class:`ExpressionError` naming the column and the fragment.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    _check_nesting(text)
    # ast.parse refuses leading spaces; put them back as spaces inside parentheses.
    stripped = text.strip()
    indent = len(text) - len(text.lstrip())
    source = "(" * bool(indent) + " " * max(indent - 1, 0) + stripped + ")" * bool(indent)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        column = e.offset or 0
        raise ExpressionError(f"invalid syntax at column {column}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply to read") from None
    leaves = {name: Value(float(value), label=name) for name, value in variables.items()}
    return _build(tree.body, source, leaves)


def _check_nesting(text: str) -> None:
    depth = 0
    for column, char in enumerate(text, start=1):
        if char == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(
                    f"parentheses nested more than {MAX_NESTING} deep at column {column}"
                )
        elif char == ")":
            depth = max(0, depth - 1)


def _where(node: ast.AST, text: str) -> str:
    fragment = ast.get_source_segment(text, node) or ""
    if len(fragment) > 60:
        fragment = fragment[:57] + "..."
    return f"at column {getattr(node, 'col_offset', 0) + 1}: {fragment}"


def _fail(problem: str, node: ast.AST, text: str) -> ExpressionError:
    return ExpressionError(f"{problem} {_where(node, text)}")


def _children(node: ast.expr, text: str, leaves: Mapping[str, Value]) -> list[ast.expr]:
    """Check ``node`` against the whitelist and return the operands to build first."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return [node.operand]
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _fail(f"{type(node.value).__name__} literals are not allowed", node, text)
        _float(node, text)
        return []
    if isinstance(node, ast.Name):
        if node.id not in leaves:
            hint = (
                "a function needs parentheses"
                if node.id in FUNCTIONS
                else (f"variables: {', '.join(sorted(leaves)) or 'none given'}")
            )
            raise _fail(f"unknown name {node.id!r} ({hint})", node, text)
        return []
    if isinstance(node, ast.Call):
        return _call_arguments(node, text)
    what = type(node).__name__
    described = {
        "Attribute": "attribute access",
        "Subscript": "subscripts",
        "Lambda": "lambdas",
        "Compare": "comparisons",
        "BoolOp": "and/or",
        "NamedExpr": "assignment expressions",
        "JoinedStr": "f-strings",
        "IfExp": "conditional expressions",
    }.get(what, f"{what} expressions")
    if isinstance(node, ast.BinOp):
        described = f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        described = f"the unary operator {type(node.op).__name__}"
    raise _fail(f"{described} not allowed", node, text)


def _call_arguments(node: ast.Call, text: str) -> list[ast.expr]:
    if isinstance(node.func, ast.Attribute):
        raise _fail("attribute access not allowed", node.func, text)
    if not isinstance(node.func, ast.Name):
        raise _fail("only the engine's functions can be called", node, text)
    name = node.func.id
    if name not in UNARY and name not in NARY:
        raise _fail(f"unknown function {name!r} (functions: {', '.join(FUNCTIONS)})", node, text)
    if node.keywords:
        raise _fail("keyword arguments are not allowed", node, text)
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _fail("starred arguments are not allowed", node, text)
    if name in NARY:
        if not node.args:
            raise _fail(f"{name}() needs at least one argument", node, text)
        return list(node.args)
    most = 2 if name in PARAMETERS else 1
    if not 1 <= len(node.args) <= most:
        allowed = f"1 or 2 arguments (x, {PARAMETERS[name]})" if most == 2 else "1 argument"
        raise _fail(f"{name}() takes {allowed}, got {len(node.args)}", node, text)
    if len(node.args) == 2:
        _literal(node.args[1], text, f"{name}'s {PARAMETERS[name]}")
    return node.args[:1]


def _literal(node: ast.expr, text: str, what: str) -> float:
    sign = 1.0
    inner = node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        inner = node.operand
    if (
        not isinstance(inner, ast.Constant)
        or isinstance(inner.value, bool)
        or not isinstance(inner.value, int | float)
    ):
        raise _fail(f"{what} must be a number", node, text)
    return sign * _float(inner, text)


def _float(node: ast.Constant, text: str) -> float:
    value = node.value
    assert isinstance(value, int | float)  # _children let nothing else through
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _fail("the number is too large to be a finite float", node, text)
    return number


def _build(tree: ast.expr, text: str, leaves: Mapping[str, Value]) -> Value:
    """Build the graph bottom-up with an explicit stack, so long expressions need no recursion."""
    results: list[Value] = []
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            children = _children(node, text, leaves)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        n = len(_children(node, text, leaves))
        args = results[len(results) - n :]
        del results[len(results) - n :]
        results.append(_apply(node, args, text, leaves))
    (result,) = results
    return result


def _apply(node: ast.expr, args: list[Value], text: str, leaves: Mapping[str, Value]) -> Value:
    if isinstance(node, ast.Constant):
        return Value(_float(node, text))
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](args[0], args[1])
    if isinstance(node, ast.UnaryOp):
        return -args[0] if isinstance(node.op, ast.USub) else args[0]
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    name = node.func.id
    if name in NARY:
        return NARY[name](args)
    if len(node.args) == 2:
        parameter = _literal(node.args[1], text, name)
        try:
            return UNARY[name](args[0], parameter)
        except (TypeError, ValueError) as e:
            raise _fail(str(e), node, text) from None
    return UNARY[name](args[0])


def parse_variable(text: str) -> tuple[str, float]:
    """Return ``(name, value)`` from ``NAME=VALUE``; raise ExpressionError if it is not one."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep:
        raise ExpressionError(f"variables are written NAME=VALUE, got {text!r}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"{name!r} is not a valid variable name")
    if name in FUNCTIONS:
        raise ExpressionError(f"{name!r} is the name of a function; choose another variable name")
    try:
        value = float(raw)
    except ValueError:
        raise ExpressionError(f"the value of {name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ExpressionError(f"the value of {name} must be finite, got {raw!r}")
    return name, value
