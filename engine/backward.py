"""The backward pass on floats: the chain rule applied in reverse topological order."""

import threading
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


# The pass keeps each node's running gradient in the node's own slot, ``_g``, which
# is 0.0 between passes: no dictionary to fill, and the gradient sits beside the
# node's data in memory. One pass at a time uses the slots; with the GIL, passes
# on several threads could not run at once anyway.
_one_pass = threading.RLock()


def float_gradients(root: Any, *, check: bool = False) -> dict[Any, float]:
    """Return d(root)/d(node) for ``root`` and every node it depends on.

    Each node's gradient is complete once every node computed from it has been
    visited, which reverse topological order guarantees; then the chain rule
    passes ``grad * local derivative`` on to each parent. With ``check`` (anomaly
    mode), a step that makes a non-finite gradient from finite numbers raises.
    """
    with _one_pass, collector_paused():
        order = _chain_rule_pass(root, check)
        grads = dict(zip(order, [node._g for node in order], strict=True))
        _clear(order)
    return grads


def add_into_grad(root: Any, *, check: bool = False) -> None:
    """Add d(root)/d(node) into ``.grad`` of ``root`` and every node it depends on.

    The pass of :func:`float_gradients`; no ``.grad`` changes unless the whole chain
    rule pass succeeds (under ``detect_anomaly`` it may stop at a step).
    """
    with _one_pass, collector_paused():
        order = _chain_rule_pass(root, check)
        try:
            for node in order:
                node.grad += node._g
                node._g = 0.0
        except BaseException:  # a .grad set to something that refuses a float
            _clear(order)
            raise


def _chain_rule_pass(root: Any, check: bool) -> list[Any]:
    """Leave d(root)/d(node) in each node's ``_g``; return the nodes in topological order."""
    order = topological_order(root)
    root._g = 1.0
    try:
        if check:
            for node in reversed(order):
                if node.parents:
                    _check_step(node, node._g, node._op.at_floats(node))
                    node._op.chain(node, node._g)
        else:
            for node in reversed(order):
                if node.parents:
                    node._op.chain(node, node._g)
    except BaseException:
        _clear(order)
        raise
    return order


def _clear(order: list[Any]) -> None:
    for node in order:
        node._g = 0.0


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
