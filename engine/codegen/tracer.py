"""The tracer: each rule of the table of operations read as a Python expression.

``engine.compile`` does not keep a second copy of any derivative. It calls the same
``forward`` and ``local`` functions of ``engine.ops`` with ``Expr`` operands
(names such as ``v3``) and the math namespace ``code_math``, and what comes back
is the text of the expression, e.g. ``1.0 - v5 * v5`` for the derivative of tanh.
This is tracing, not symbolic mathematics: nothing is simplified or rearranged.

A rule that tests its operands (``0.0 if x <= 0.0 else 1.0``) asks Python for the
truth of an ``Expr``, which has none until the code runs. ``trace`` then runs the
rule once for each outcome and joins the results into a conditional expression,
``(0.0 if v3 <= 0.0 else 1.0)``, so the generated code decides at every call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from engine import float_math, ops

# Python's operator precedence, from loosest to tightest binding.
_CONDITIONAL, _COMPARISON, _SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 0, 4, 6, 7, 8, 9, 10


class Expr:
    """The text of a Python expression, and how tightly its outermost operator binds."""

    __slots__ = ("prec", "text")

    def __init__(self, text: str, prec: int = _ATOM) -> None:
        self.text = text
        self.prec = prec

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return _decide(self)

    # Arithmetic, each operator once with its reflected form.
    def __add__(self, other: object) -> Expr:
        return _infix(self, "+", other, _SUM)

    def __radd__(self, other: object) -> Expr:
        return _infix(other, "+", self, _SUM)

    def __sub__(self, other: object) -> Expr:
        return _infix(self, "-", other, _SUM)

    def __rsub__(self, other: object) -> Expr:
        return _infix(other, "-", self, _SUM)

    def __mul__(self, other: object) -> Expr:
        return _infix(self, "*", other, _PRODUCT)

    def __rmul__(self, other: object) -> Expr:
        return _infix(other, "*", self, _PRODUCT)

    def __truediv__(self, other: object) -> Expr:
        return _infix(self, "/", other, _PRODUCT)

    def __rtruediv__(self, other: object) -> Expr:
        return _infix(other, "/", self, _PRODUCT)

    def __neg__(self) -> Expr:
        return Expr("-" + wrap(self, _UNARY + 1), _UNARY)

    def __abs__(self) -> Expr:
        return call("abs", self)

    # Comparisons give conditions; == is a comparison too, so an Expr is not hashable.
    def __lt__(self, other: object) -> Expr:
        return _compare(self, "<", other)

    def __le__(self, other: object) -> Expr:
        return _compare(self, "<=", other)

    def __gt__(self, other: object) -> Expr:
        return _compare(self, ">", other)

    def __ge__(self, other: object) -> Expr:
        return _compare(self, ">=", other)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return _compare(self, "==", other)

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return _compare(self, "!=", other)

    __hash__ = None  # type: ignore[assignment]


def literal(x: float) -> Expr:
    """Return the expression of a float constant; ``inf`` and ``nan`` are names in the code."""
    if x != x:
        return Expr("nan")
    if math.isinf(x):
        return Expr("inf") if x > 0 else Expr("-inf", _UNARY)
    text = repr(float(x))
    return Expr(text, _UNARY if text.startswith("-") else _ATOM)


def as_expr(x: object) -> Expr:
    """Return ``x`` as an Expr: itself, or the literal of a number."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, int | float) and not isinstance(x, bool):
        return literal(float(x))
    raise TypeError(f"cannot write a {type(x).__name__} into generated code")


def wrap(x: object, prec: int) -> str:
    """Return the text of ``x``, in parentheses unless it binds at least as tightly as ``prec``."""
    e = as_expr(x)
    return e.text if e.prec >= prec else f"({e.text})"


def _infix(a: object, op: str, b: object, prec: int) -> Expr:
    # Left-associative: the right operand needs parentheses at the same precedence.
    return Expr(f"{wrap(a, prec)} {op} {wrap(b, prec + 1)}", prec)


def _compare(a: object, op: str, b: object) -> Expr:
    return Expr(f"{wrap(a, _SUM)} {op} {wrap(b, _SUM)}", _COMPARISON)


def call(name: str, *args: object) -> Expr:
    """Return the expression ``name(arg, ...)``."""
    return Expr(f"{name}({', '.join(wrap(a, _CONDITIONAL + 1) for a in args)})")


def conditional(condition: Expr, yes: object, no: object) -> Expr:
    """Return ``yes if condition else no``, or just one side when both read the same."""
    y, n = as_expr(yes), as_expr(no)
    if y.text == n.text:
        return y
    return Expr(
        f"{wrap(y, _CONDITIONAL + 1)} if {wrap(condition, _CONDITIONAL + 1)} else {n.text}",
        _CONDITIONAL,
    )


class _CodeMath:
    """The math namespace on Exprs: ``m.exp(x)`` gives the expression ``exp(x)``.

    Each name is ``engine.float_math``'s function of that name, called from the
    generated code (where ``NAMESPACE`` binds it).
    """

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        if name not in NAMESPACE:
            raise AttributeError(f"engine.float_math has no function {name!r} for generated code")
        return lambda *args: call(name, *args)

    @staticmethod
    def number(x: object) -> object:
        """Return the operand itself: in generated code a variable is its number."""
        return x


code_math = _CodeMath()
"""The ``m`` handed to local derivatives when they are traced into code."""

NAMESPACE: dict[str, Any] = {
    name: getattr(float_math, name)
    for name in (*float_math.NAMES, "inf", "nan")
    if name != "number"
}
"""The names generated code may use besides its own variables and Python's builtins:
``float_math``'s functions, which the rules call as ``m.<name>`` (``number`` is the
variable itself), and the forward rules bound by their ``function`` name as needed."""

INLINE = frozenset(
    {ops.ADD, ops.SUB, ops.MUL, ops.NEG, ops.ABS, ops.RELU, ops.LEAKY_RELU}
    | {ops.SUM, ops.DOT, ops.DOT_PLUS}
)
"""Rows whose forward rule is a plain expression of its operands (operators, comparisons,
conditionals; no calls that can raise): compiled code writes it out in place. The others,
which catch math's exceptions, are called by their ``function`` name."""


# -- tracing through a rule's tests ------------------------------------------------------


class _Fork(Exception):  # noqa: N818 - a signal, not an error
    """A rule asked for the truth of ``condition``, whose outcome is not yet decided."""

    def __init__(self, condition: Expr) -> None:
        super().__init__(condition.text)
        self.condition = condition


class _Path:
    """The outcomes decided so far along one run of a rule."""

    def __init__(self, outcomes: list[bool]) -> None:
        self.outcomes = outcomes
        self.asked = 0


_current: ContextVar[_Path | None] = ContextVar("engine_tracer_path", default=None)


def _decide(condition: Expr) -> bool:
    path = _current.get()
    if path is None:
        raise TypeError(f"the truth of {condition.text!r} is known only when the code runs")
    if path.asked == len(path.outcomes):
        raise _Fork(condition)
    path.asked += 1
    return path.outcomes[path.asked - 1]


Join = Callable[[Expr, object, object], Expr]


def trace(rule: Callable[[], Any], join: Join = conditional) -> Any:
    """Return ``rule()`` with Expr operands, each test it makes turned into a conditional.

    ``rule`` returns one expression (a forward rule) or a sequence of them (local
    derivatives); the result has the same shape. ``join(condition, yes, no)`` writes
    the conditional: ``yes if condition else no`` unless told otherwise.
    """
    return _explore(rule, [], join)


def _explore(rule: Callable[[], Any], outcomes: list[bool], join: Join) -> Any:
    token = _current.set(_Path(outcomes))
    try:
        return rule()
    except _Fork as fork:
        condition = fork.condition
    finally:
        _current.reset(token)
    yes = _explore(rule, [*outcomes, True], join)
    no = _explore(rule, [*outcomes, False], join)
    if isinstance(yes, list | tuple):
        return [join(condition, a, b) for a, b in zip(yes, no, strict=True)]
    return join(condition, yes, no)
