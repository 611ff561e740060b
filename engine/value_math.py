"""The math namespace on Values: ``engine.float_math``'s functions, made differentiable.

``engine.grad(..., create_graph=True)`` hands this module to each operation's local
derivative in place of ``engine.float_math``, so the same formula that gives a float
on the fast path builds graph nodes here. ``m.exp(x)`` is ``x.exp()``: each function of
``float_math.NAMES`` is the Value method of its name, the node of its row of the table,
but for the four written below. Every function takes Values (or numbers) and returns a
Value, but ``number``.
"""

from collections.abc import Callable
from typing import Any

from engine import float_math
from engine.value import Value, as_value


def div(a: Any, b: Any) -> Any:
    """Return ``a / b`` as a node."""
    return a / b


def pow(x: Any, y: Any) -> Any:  # noqa: A001 - the name float_math.pow has
    """Return ``x ** y`` as a node: ``x ** 2`` for a number, a node of two operands for a Value."""
    return x**y


def number(x: Any) -> float:
    """Return the float a Value holds, for the tests a local derivative makes (``b == 0``)."""
    return x.data  # type: ignore[no-any-return]


def sign(x: Any) -> float:
    """Return the sign of ``x``'s data: a constant, as the derivative of sign is 0."""
    return float_math.sign(x.data)


def __getattr__(name: str) -> Callable[..., Value]:
    """Return ``m.<name>`` (exp, log, ...): the Value method of that name, as a function."""
    if name.startswith("_") or not hasattr(float_math, name) or not hasattr(Value, name):
        raise AttributeError(f"engine.value_math has no function {name!r}")

    def function(x: Any, *params: Any) -> Value:
        return getattr(as_value(x, f"m.{name}: the operand"), name)(*params)  # type: ignore[no-any-return]

    function.__name__ = function.__qualname__ = name
    return function


_missing = [name for name in float_math.NAMES if name not in globals() and not hasattr(Value, name)]
if _missing:
    raise ImportError(f"engine.value_math has no Value function for m.{', m.'.join(_missing)}")
