"""Fused n-ary operations: one graph node for n terms, not a chain of n - 1."""

from collections.abc import Iterable, Sequence

from engine import ops
from engine.value import Value, as_value, nary

_ONLY_VALUES = {Value}


def _operands(values: Iterable[Value | float], name: str) -> tuple[Value, ...]:
    if type(values) is list or type(values) is tuple:
        operands = tuple(values)
        # The usual case, checked at C speed: every item is already a Value.
        if set(map(type, operands)) <= _ONLY_VALUES:
            return operands
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name} must be an iterable of Values or numbers, got {type(values).__name__}"
        )
    return tuple(
        v if type(v) is Value else as_value(v, f"{name}[{i}]") for i, v in enumerate(values)
    )


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - engine.sum is the contract
    """Return the sum of ``values`` as ONE node whose parents are the terms.

    Each term's local derivative is 1. Plain numbers become constant leaves;
    an empty sum is ``Value(0.0)``.

    >>> sum([Value(1.0), Value(2.0), 3]).data
    6.0
    """
    return nary(ops.SUM, _operands(values, "values"))


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float]) -> Value:
    """Return ``sum(w_i * x_i)`` as ONE node whose parents are ``w_1..w_n, x_1..x_n``.

    The local derivative by ``w_i`` is ``x_i`` and by ``x_i`` is ``w_i``: the
    neuron's pre-activation in one node.

    >>> dot([Value(2.0), Value(3.0)], [4, 5]).data
    23.0
    """
    w = _operands(ws, "ws")
    x = _operands(xs, "xs")
    if len(w) != len(x):
        raise ValueError(f"dot: ws and xs must have the same length, got {len(w)} and {len(x)}")
    return nary(ops.DOT, w + x)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """Return ``log(sum(exp(v)))`` as ONE node, computed without overflow.

    Its local derivatives are the softmax of ``values``. An empty input gives
    ``-inf`` (the log of an empty sum).

    >>> round(logsumexp([1000.0, 1000.0]).data, 6)
    1000.693147
    """
    return nary(ops.LOGSUMEXP, _operands(values, "values"))
