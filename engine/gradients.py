"""``engine.grad``: gradients as return values, optionally differentiable themselves."""

from collections.abc import Sequence

from engine import mode
from engine.backward import float_gradients
from engine.graph import topological_order
from engine.value import Value


def grad(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list[Value]:
    """Return d(output)/d(input) for each of ``inputs``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values in a graph of their own,
    built from the same local derivatives as the float pass, so they can be
    differentiated again: ``grad(grad(y, [x], create_graph=True)[0], [x])`` is
    the second derivative. An input that ``output`` does not depend on gets
    ``Value(0.0)``.

    >>> x = Value(3.0)
    >>> (dy,) = grad(x**3, [x], create_graph=True)
    >>> dy.data, grad(dy, [x])[0].data
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"grad: inputs must be a sequence of Values (a list), got {type(inputs).__name__}"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")
    check = bool(mode.state.get() & mode.ANOMALY)
    if not create_graph:
        grads = float_gradients(output, check=check)
        return [Value(grads.get(x, 0.0)) for x in inputs]
    value_grads = _value_gradients(output)
    return [value_grads[x] if x in value_grads else Value(0.0) for x in inputs]


def _value_gradients(root: Value) -> dict[Value, Value]:
    """Run the backward pass on Values, each step made of differentiable operations.

    It mirrors :func:`engine.backward.float_gradients` step for step, summing a
    node's incoming terms in the same order, so the numbers are the same.
    """
    with mode.collector_paused():
        return _value_pass(root)


def _value_pass(root: Value) -> dict[Value, Value]:
    order = topological_order(root)
    incoming: dict[Value, list[Value]] = {root: [Value(1.0)]}
    grads: dict[Value, Value] = {}
    for node in reversed(order):
        terms = incoming.pop(node)
        g = terms[0]
        for term in terms[1:]:
            g = g + term
        grads[node] = g
        if not node.parents:
            continue
        for parent, d in zip(node.parents, node._op.at_values(node), strict=True):
            # g * 1.0 == g in IEEE arithmetic, so that node would add nothing.
            term = g if type(d) is float and d == 1.0 else g * d
            incoming.setdefault(parent, []).append(term)
    return grads
