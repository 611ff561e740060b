"""Float functions that follow IEEE 754 the way PyTorch does: they never raise.

Python's ``math`` module raises ``OverflowError`` or ``ValueError`` where IEEE
arithmetic (and PyTorch) gives ``inf`` or ``nan``; an exception in the middle of a
backward pass would lose the whole pass, so every forward rule and every local
derivative in ``engine.ops`` computes through these functions instead.

This module is also the *float* namespace handed to each operation's local
derivative; ``engine.value_math`` is its twin on Values, with the same names.
"""

import math

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
