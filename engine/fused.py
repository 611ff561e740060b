"""Fused n-ary operations: one graph node for n terms, not a chain of n - 1."""

from collections.abc import Iterable, Sequence

from engine import ops
from engine.value import Value, as_value, nary

_ONLY_VALUES = {Value}
_SEQUENCES = (list, tuple)


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

    Examples:
        >>> sum([Value(1.0), Value(2.0), 3]).data
        6.0
    """
    return nary(ops.SUM, _operands(values, "values"))


def dot(
    ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float | None = None
) -> Value:
    """Return ``sum(w_i * x_i)``, plus ``bias`` if given, as ONE node.

    Its parents are ``w_1..w_n, x_1..x_n`` (then ``bias``). The local derivative
    by ``w_i`` is ``x_i``, by ``x_i`` is ``w_i`` and by the bias 1: a neuron's
    pre-activation ``w.x + b`` in one node, whose op reads ``dot+b``.

    Examples:
        >>> dot([Value(2.0), Value(3.0)], [4, 5]).data
        23.0
        >>> dot([Value(2.0), Value(3.0)], [4, 5], bias=0.5).op
        'dot+b'
    """
    op = ops.DOT if bias is None else ops.DOT_PLUS
    if type(ws) in _SEQUENCES and type(xs) in _SEQUENCES and len(ws) == len(xs):
        # A neuron's usual call, with one check at C speed for all its operands: 5% of
        # the moons step against all(type(v) is Value for v in parents).
        parents = (*ws, *xs) if bias is None else (*ws, *xs, bias)
        if set(map(type, parents)) <= _ONLY_VALUES:
            return nary(op, parents)  # type: ignore[arg-type]  # all Values, just checked
    w = _operands(ws, "ws")
    x = _operands(xs, "xs")
    if len(w) != len(x):
        raise ValueError(f"dot: ws and xs must have the same length, got {len(w)} and {len(x)}")
    if bias is None:
        return nary(op, w + x)
    return nary(op, (*w, *x, as_value(bias, "bias")))


def logsumexp(values: Iterable[Value | float]) -> Value:
    """Return ``log(sum(exp(v)))`` as ONE node, computed without overflow.

    Its local derivatives are the softmax of ``values``. An empty input gives
    ``-inf`` (the log of an empty sum).

    Examples:
        >>> round(logsumexp([1000.0, 1000.0]).data, 6)
        1000.693147
    """
    return nary(ops.LOGSUMEXP, _operands(values, "values"))


# Each n-ary row a student calls by name is a function here (``engine.sum``): a row added
# without one fails now, not at a user's first call.
_missing = [r.name for r in ops.TABLE if r.called and not r.arity and r.name not in globals()]
if _missing:
    raise ImportError(f"engine.ops has n-ary rows with no function here: {', '.join(_missing)}")
