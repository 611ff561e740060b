"""The backward pass: the chain rule, once per node, in reverse topological order.

A node's gradient d(root)/d(node) is complete once every node computed from it has
been visited, which reverse topological order guarantees. Then the chain rule hands
each operand ``gradient * local derivative``, and an operand used twice sums both
terms. The pass is written once, for any kind of number: floats for ``backward()``,
Values for ``engine.grad(..., create_graph=True)``, whose every step is then a node
that can be differentiated again.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from engine import edits, ieee
from engine.graph import topological_order
from engine.mode import collector_paused
from engine.ops import passes_nothing

Visit = Callable[[Any, Any, Sequence[Any]], None]
"""Called at each step with (node, its gradient, its local derivatives)."""


def local_derivatives(node: Any) -> tuple[float, ...]:
    """Return d(node)/d(parent) for each of ``node.parents``, as floats (() for a leaf).

    These are the numbers the backward pass multiplies by the chain rule, from the
    node's row in ``engine.ops``; pictures and lessons show them.
    """
    return tuple(node._rule.derivatives(node, ieee)) if node._parents else ()


def chain_rule(
    order: list[Any],
    m: Any = ieee,
    seed: Any = 1.0,
    *,
    check: bool = False,
    visit: Visit | None = None,
) -> None:
    """Leave d(root)/d(node) in each node's ``_g``; ``order`` is the root's topological order.

    ``m`` is the math namespace of the local derivatives (``engine.ieee`` on
    floats, ``engine.value_math`` on Values) and ``seed`` is the start of the backward
    pass, d(root)/d(root): 1.0 unless the caller gives another (a Value, on Values).
    With ``check`` (anomaly mode) a step that makes a non-finite gradient from
    finite numbers raises; ``visit`` sees every step (the explorer's hook). A node
    made before a ``.data`` was edited is checked first (``engine.edits``).
    """
    # On plain floats each operation's step is a closure made for its arity (ops.Op.chain),
    # 11% faster on the moons step and 30% on the chain than the general step below.
    fast = m is ieee and not check and visit is None
    now = edits.count
    order[-1]._g = seed  # the root comes last
    for node in reversed(order):
        if node._parents:
            if node._stamp != now:  # made before the last edit of a .data: look closer
                edits.check(node)
            if fast:
                node._rule.chain(node, node._g)
            else:
                _step(node, node._g, m, check, visit)
    if edits.count != now:  # a local derivative edited a .data while the pass ran
        for node in order:
            if node._parents:
                edits.check(node)


def _step(node: Any, g: Any, m: Any, check: bool, visit: Visit | None) -> None:
    """One step of the chain rule: each operand's gradient gains g times its local derivative."""
    op = node._rule
    if op.skips_zero and visit is None and type(g) is float and passes_nothing(g, node._data):
        return  # exact: every term would be 0.0 (a visitor still sees them all)
    derivatives = op.derivatives(node, m)
    if check:
        _check_step(node, g, derivatives)
    if visit is not None:
        visit(node, g, derivatives)
    for parent, d in zip(node._parents, derivatives, strict=True):
        parent._g += g * d


# Each node's running gradient lives in the node's own slot, ``_g``, 0.0 between
# passes: no dictionary to fill (18% on a long chain, 3% on the moons step). One pass
# at a time may use the slots, hence the lock.
_one_pass = threading.RLock()
_passes = 0  # passes under way in the thread that holds the lock


@contextmanager
def _running_sums(root: Any) -> Iterator[list[Any]]:
    """Yield ``root``'s topological order with every ``_g`` at 0.0, for one pass.

    The pass leaves each ``_g`` at 0.0 when it succeeds; if it fails, this does. A
    pass inside another, run by a local derivative that calls ``engine.grad`` or
    ``backward()``, would start from the outer pass's sums in the nodes both graphs
    share, then wipe them: it sets them aside, and puts them back when it ends.
    """
    global _passes
    with _one_pass, collector_paused():
        order = topological_order(root)
        outer = [node._g for node in order] if _passes else None
        if outer is not None:
            _clear(order)
        _passes += 1
        try:
            yield order
        except BaseException:
            _clear(order)
            raise
        finally:
            _passes -= 1
            if outer is not None:
                for node, g in zip(order, outer, strict=True):
                    node._g = g


def gradients(
    root: Any, m: Any = ieee, seed: Any = 1.0, *, check: bool = False, visit: Visit | None = None
) -> dict[Any, Any]:
    """Return d(root)/d(node) for ``root`` and every node it depends on; no ``.grad`` changes.

    ``seed`` is the start of the backward pass, d(root)/d(root), as for ``chain_rule``.
    """
    with _running_sums(root) as order:
        chain_rule(order, m, seed, check=check, visit=visit)
        grads = {node: node._g for node in order}
        _clear(order)
    return grads


def add_into_grad(root: Any, *, check: bool = False) -> None:
    """Add d(root)/d(node) into ``.grad`` of ``root`` and every node it depends on.

    No ``.grad`` changes unless the whole pass succeeds: the terms are added once
    every one is known, floats to floats (``Value.grad`` holds nothing else).
    """
    with _running_sums(root) as order:
        chain_rule(order, check=check)
        for node in order:
            node._grad += node._g
            node._g = 0.0


def _clear(order: list[Any]) -> None:
    for node in order:
        node._g = 0.0


def _check_step(node: Any, g: float, derivatives: Sequence[float]) -> None:
    inputs = [g, node.data, *(p.data for p in node._parents)]
    if not all(ieee.isfinite(x) for x in inputs):
        return
    for i, d in enumerate(derivatives):
        if not ieee.isfinite(g * d):
            operands = ", ".join(repr(p.data) for p in node._parents)
            raise FloatingPointError(
                f"detect_anomaly: backward of {node._rule.name!r} with inputs ({operands}) "
                f"gave the non-finite gradient {g * d!r} for its input {i} "
                f"(upstream gradient {g!r}, local derivative {d!r})"
            )
