"""The math namespace on floats: IEEE 754 results (``inf``, ``nan``) where ``math`` raises.

Every forward rule and every local derivative in ``engine.ops`` computes through these
functions. Python's ``math`` raises ``OverflowError`` or ``ValueError`` where IEEE
arithmetic (and PyTorch) gives ``inf`` or ``nan``; an exception in the middle of a
backward pass would lose the whole pass.

It is the ``m`` handed to each local derivative on the backward pass. Its twins have
the same functions (``NAMES``): ``engine.value_math`` on Values (for
``create_graph``), ``engine.codegen.tracer`` on expressions (for ``engine.compile``)
and ``engine.codegen.array_math`` on numpy arrays. Below them are the forward rules of
the n-ary rows (``add_all``, ``dot``, ``dot_plus``, ``logsumexp``). A first reading may
skip this file: each function is its namesake in ``math``, without the exceptions.
"""

import functools
import math
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Any

NAMES: tuple[str, ...] = ("div", "pow", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid")
NAMES += ("softplus", "sign", "number")
"""The functions of the math namespace ``m``: ``m.exp(x)``, ``m.div(a, b)``, ..."""

inf = math.inf
nan = math.nan


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def div(a: float, b: float) -> float:
    """Return ``a / b``; division by zero gives ``+-inf``, or ``nan`` for ``0/0``."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return nan
        return math.copysign(inf, a) * math.copysign(1.0, b)


def pow(x: float, y: float) -> float:  # noqa: A001 - mirrors math.pow
    """Return ``x ** y`` as C99's ``pow`` does: ``nan``/``inf`` instead of errors or complex."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return -inf if x < 0.0 and _is_odd_integer(y) else inf
    except ValueError:
        if x == 0.0:  # a pole: 0 to a negative power
            return -inf if math.copysign(1.0, x) < 0.0 and _is_odd_integer(y) else inf
        return nan  # a negative base to a non-integer power


def exp(x: float) -> float:
    """Return ``e ** x``, ``inf`` on overflow."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Return the natural logarithm: ``-inf`` at 0, ``nan`` below it."""
    try:
        return math.log(x)
    except ValueError:
        return -inf if x == 0.0 else nan


def sqrt(x: float) -> float:
    """Return the square root, ``nan`` for negative ``x``."""
    try:
        return math.sqrt(x)
    except ValueError:
        return nan


def sin(x: float) -> float:
    """Return the sine, ``nan`` for infinite ``x``."""
    try:
        return math.sin(x)
    except ValueError:
        return nan


def cos(x: float) -> float:
    """Return the cosine, ``nan`` for infinite ``x``."""
    try:
        return math.cos(x)
    except ValueError:
        return nan


def tanh(x: float) -> float:
    """Return the hyperbolic tangent (``math.tanh`` is already stable and total)."""
    return math.tanh(x)


def sigmoid(x: float) -> float:
    """Return ``1 / (1 + e**-x)``, computed without overflow for any ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)  # x < 0 or nan: e is in [0, 1) or nan, so nothing overflows
    return e / (1.0 + e)


def softplus(x: float, beta: float = 1.0, threshold: float = 20.0) -> float:
    """Return ``log(1 + e**(beta*x)) / beta``, linear where ``beta*x > threshold`` (as PyTorch)."""
    z = x * beta
    if z > threshold:
        return x
    return math.log1p(exp(z)) / beta


def number(x: float) -> float:
    """Return ``x``: on floats an operand already is its number (see ``value_math.number``)."""
    return x


def sign(x: float) -> float:
    """Return -1.0, 0.0 or 1.0 by the sign of ``x`` (``nan`` for ``nan``)."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x if x != x else 0.0


def isfinite(x: float) -> bool:
    """Return whether ``x`` is neither infinite nor ``nan``."""
    return math.isfinite(x)


# -- the forward rules of the n-ary rows ---------------------------------------------------

# Sums add left to right, as a hand-written loop does, so compiled code that writes
# the sum out term by term gives the same bits. sum() does so before Python 3.12;
# from 3.12 it compensates rounding errors for floats, so reduce() takes its place.
_left_to_right: Callable[[Any, float], Any] = (
    sum if sys.version_info < (3, 12) else functools.partial(functools.reduce, operator.add)
)


def add_all(xs: Sequence[float]) -> float:
    """Return ``0.0 + x_1 + ... + x_n``, added left to right."""
    return _left_to_right(xs, 0.0)  # type: ignore[no-any-return]


def dot(factors: Sequence[float]) -> float:
    """Return ``0.0 + w_1*x_1 + ... + w_n*x_n`` from ``w_1..w_n, x_1..x_n``, left to right."""
    n = len(factors) // 2
    return _left_to_right(map(operator.mul, factors[:n], factors[n:]), 0.0)  # type: ignore[no-any-return]


def dot_plus(factors: Sequence[float]) -> float:
    """Return ``dot(w_1..w_n, x_1..x_n) + b`` from ``w_1..w_n, x_1..x_n, b``."""
    n = len(factors) // 2
    products = map(operator.mul, factors[:n], factors[n:-1])
    return _left_to_right(products, 0.0) + factors[-1]  # type: ignore[no-any-return]


def logsumexp(xs: Sequence[float]) -> float:
    """Return ``log(sum(exp(x)))`` without overflow: ``-inf`` for no terms, ``nan`` if one is."""
    if not xs:
        return -inf  # the log of an empty sum
    if any(x != x for x in xs):
        return nan
    top = max(xs)
    if not math.isfinite(top):
        return top
    return top + log(sum([exp(x - top) for x in xs]))
