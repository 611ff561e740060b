"""Gradients as return values, optionally differentiable themselves: ``engine.grad``."""

from collections.abc import Sequence
from typing import Any

from engine import float_math, mode, value_math
from engine.backward import Visit, chain_rule
from engine.running_sums import clear, running_sums
from engine.value import Value


def gradients(
    root: Any,
    m: Any = float_math,
    seed: Any = 1.0,
    *,
    check: bool = False,
    visit: Visit | None = None,
) -> dict[Any, Any]:
    """Return d(root)/d(node) for ``root`` and every node it depends on; no ``.grad`` changes.

    The backward pass (``engine.backward.chain_rule``) with the same arguments, its
    sums read out of the nodes instead of added into ``.grad``.
    """
    with running_sums(root) as order:
        chain_rule(order, m, seed, check=check, visit=visit)
        grads = {node: node._pass_grad for node in order}
        clear(order)
    return grads


def grad(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list[Value]:
    """Return d(output)/d(input) for each of ``inputs``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values in a graph of their own,
    built from the same local derivatives as the float pass, so they can be
    differentiated again: ``grad(grad(y, [x], create_graph=True)[0], [x])`` is
    the second derivative. An input that ``output`` does not depend on gets
    ``Value(0.0)``. Inside ``no_grad()``, ``create_graph=True`` is a ``RuntimeError``:
    it could record nothing.

    Examples:
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
    flags = mode.state.get()
    if not create_graph:
        floats = gradients(output, check=bool(flags & mode.ANOMALY))
        return [Value(floats.get(x, 0.0)) for x in inputs]
    if flags & mode.NO_GRAD:
        # Its steps would record nothing: the results would be leaves, and a second grad
        # of them 0.0 instead of the second derivative. PyTorch refuses too.
        raise RuntimeError(
            "grad: create_graph=True inside no_grad() cannot build the gradients' graph, "
            "so they could not be differentiated again; call it outside the no_grad block, "
            "or inside `with engine.enable_grad():`"
        )
    # The same pass on Values: each step g * d is a node (its operations check themselves
    # under detect_anomaly), so the gradients can be differentiated again.
    values = gradients(output, value_math, Value(1.0))
    return [values[x] if x in values else Value(0.0) for x in inputs]
