"""The backward pass on floats: the chain rule applied in reverse topological order."""

from collections.abc import Sequence
from typing import Any

from engine import ieee
from engine.graph import topological_order
from engine.mode import collector_paused


def local_derivatives(node: Any) -> tuple[float, ...]:
    """Return d(node)/d(parent) for each of ``node.parents``, as floats (() for a leaf).

    These are the numbers the backward pass multiplies by the chain rule, from the
    node's row in :mod:`engine.ops`; pictures and lessons show them.
    """
    return tuple(node._op.at_floats(node)) if node.parents else ()


def float_gradients(root: Any, *, check: bool = False) -> dict[Any, float]:
    """Return d(root)/d(node) for ``root`` and every node it depends on.

    Each node's gradient is complete once every node computed from it has been
    visited, which reverse topological order guarantees; then the chain rule
    passes ``grad * local derivative`` on to each parent. With ``check`` (anomaly
    mode), a step that makes a non-finite gradient from finite numbers raises.
    """
    with collector_paused():
        order = topological_order(root)
        grads = dict.fromkeys(order, 0.0)
        grads[root] = 1.0
        for node in reversed(order):
            if node.parents:
                if check:
                    _check_step(node, grads[node], node._op.at_floats(node))
                node._op.chain(node, grads[node], grads)
    return grads


def _check_step(node: Any, g: float, derivatives: Sequence[float]) -> None:
    inputs = [g, node.data, *(p.data for p in node.parents)]
    if not all(ieee.isfinite(x) for x in inputs):
        return
    for i, d in enumerate(derivatives):
        if not ieee.isfinite(g * d):
            operands = ", ".join(repr(p.data) for p in node.parents)
            raise FloatingPointError(
                f"detect_anomaly: backward of {node._op.name!r} with inputs ({operands}) "
                f"gave the non-finite gradient {g * d!r} for its input {i} "
                f"(upstream gradient {g!r}, local derivative {d!r})"
            )
