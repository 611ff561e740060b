"""The math namespace on Values: ``engine.ieee``'s functions, made differentiable.

``engine.grad(..., create_graph=True)`` hands this module to each operation's
local derivative in place of ``engine.ieee``, so the same formula that gives
a float on the fast path builds graph nodes here. Every function takes Values
(or numbers, where an operator accepts them) and returns a Value.
"""

from typing import Any

from engine import ieee


def div(a: Any, b: Any) -> Any:
    """Return ``a / b`` as a node."""
    return a / b


def pow(x: Any, y: Any) -> Any:  # noqa: A001 - the name ieee.pow has
    """Return ``x ** y`` as a node."""
    return x**y


def exp(x: Any) -> Any:
    """Return ``exp(x)`` as a node."""
    return x.exp()


def log(x: Any) -> Any:
    """Return ``log(x)`` as a node."""
    return x.log()


def sqrt(x: Any) -> Any:
    """Return ``sqrt(x)`` as a node."""
    return x.sqrt()


def tanh(x: Any) -> Any:
    """Return ``tanh(x)`` as a node."""
    return x.tanh()


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """Return ``softplus(x)`` as a node."""
    return x.softplus(beta, threshold)


def sin(x: Any) -> Any:
    """Return ``sin(x)`` as a node."""
    return x.sin()


def cos(x: Any) -> Any:
    """Return ``cos(x)`` as a node."""
    return x.cos()


def sigmoid(x: Any) -> Any:
    """Return ``sigmoid(x)`` as a node."""
    return x.sigmoid()


def number(x: Any) -> float:
    """Return the float a Value holds, for the tests a local derivative makes (``b == 0``)."""
    return x.data  # type: ignore[no-any-return]


def sign(x: Any) -> float:
    """Return the sign of ``x``'s data: a constant, as the derivative of sign is 0."""
    return ieee.sign(x.data)
