"""The backward pass: the chain rule, once per node, in reverse topological order.

A node's gradient d(root)/d(node) is complete once every node computed from it has
been visited, which reverse topological order guarantees. Then the chain rule hands
each operand ``gradient × local derivative`` (``step``), and an operand used twice
sums both terms. The pass is written once, for any kind of number: floats for
``backward()``, Values for ``engine.grad(..., create_graph=True)``, whose every step
is then a node that can be differentiated again.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine import edits, float_math, mode
from engine.running_sums import running_sums

Visit = Callable[[Any, Any, Sequence[Any]], None]
"""Called at each step with (node, its gradient, its local derivatives)."""


def local_derivatives(node: Any) -> tuple[float, ...]:
    """Return d(node)/d(parent) for each of ``node.parents``, as floats (() for a leaf).

    These are the numbers the backward pass multiplies by the chain rule, from the
    node's row in ``engine.ops``; pictures and lessons show them.
    """
    return tuple(node._operation.derivatives(node, float_math)) if node._parents else ()


def step(node: Any, g: Any, m: Any = float_math, visit: Visit | None = None) -> Iterator[Any]:
    """The chain rule at one node: each operand with its term, ``g × d(node)/d(operand)``.

    ``g`` is d(root)/d(node); ``m`` the math namespace of the local derivatives
    (``engine.float_math``, or ``engine.value_math`` on Values); ``visit`` sees the
    local derivatives first.
    """
    derivatives = node._operation.derivatives(node, m)
    if visit is not None:
        visit(node, g, derivatives)
    return zip(node._parents, [g * d for d in derivatives], strict=True)


# The same step on floats, unrolled for one operand, two, and a list: what backward()
# runs. A node's running gradient is its slot _pass_grad, its operands the slot _parents
# behind Value.parents, their numbers the slot _data. Each measured against ``step`` on
# the moons step (python -m bench's, alternating runs in one process).


def _one(node: Any, g: float) -> None:
    # The same step, unrolled: measured 14% faster on the moons step (its relus).
    x = node._parents[0]
    x._pass_grad += g * node._operation.local(x._data, node._data, float_math, *node._params)[0]


def _two(node: Any, g: float) -> None:
    # The same step, unrolled: measured 2% faster on the moons step (32% on the backward
    # pass of bench's chain, whose nodes have two operands).
    a, b = node._parents
    da, db = node._operation.local(a._data, b._data, node._data, float_math)
    a._pass_grad += g * da
    b._pass_grad += g * db


def _many(node: Any, g: float) -> None:
    # The same step, written out for a list of operands: measured 3% faster on the moons
    # step (its neurons' dot+b nodes), skipping a zero gradient's step as ``step``'s caller does.
    op, parents = node._operation, node._parents
    # passes_nothing(g, node._data), written out: the call cost 2% of the moons step.
    if op.skips_zero and g == 0.0 and node._data - node._data == 0.0:
        return
    derivatives = op.local([x._data for x in parents], node._data, float_math)
    for p, d in zip(parents, derivatives, strict=True):
        p._pass_grad += g * d


_ON_FLOATS = (_many, _one, _two)  # by arity


def passes_nothing(g: Any, out: float) -> bool:
    """Whether a ``skips_zero`` node's step would hand on only exact zeros: skip it.

    Its local derivatives are finite whenever its value is (``out - out`` is 0.0 for
    a finite ``out``, nan for inf and nan), so a zero gradient times each is 0.0.
    """
    return type(g) is float and g == 0.0 and out - out == 0.0


def chain_rule(
    order: list[Any],
    m: Any = float_math,
    seed: Any = 1.0,
    *,
    check: bool = False,
    visit: Visit | None = None,
) -> None:
    """Leave d(root)/d(node) in each node's ``_pass_grad``; ``order``: the root's topological order.

    ``m`` is the math namespace of the local derivatives and ``seed`` the start of the
    backward pass, d(root)/d(root): 1.0 unless the caller gives another (a Value, on
    Values). With ``check`` (anomaly mode) a step that makes a non-finite gradient
    from finite numbers raises; ``visit`` sees every step (the explorer's hook). A
    node made before a ``.data`` was edited is checked first (``engine.edits``).
    """
    on_floats = m is float_math and not check and visit is None
    # Skipping a zero step changes no sum; a visitor still sees every step.
    skip = visit is None
    if check:
        visit = mode.check_step if visit is None else _both(mode.check_step, visit)
    now = edits.count
    order[-1]._pass_grad = seed  # the root comes last
    for node in reversed(order):
        if node._parents:
            if node._stamp != now:  # made before the last edit of a .data: look closer
                edits.check(node)
            g = node._pass_grad
            if on_floats:
                _ON_FLOATS[node._operation.arity](node, g)
            elif not (skip and node._operation.skips_zero and passes_nothing(g, node._data)):
                for parent, term in step(node, g, m, visit):
                    parent._pass_grad += term
    if edits.count != now:  # a local derivative edited a .data while the pass ran
        for node in order:
            if node._parents:
                edits.check(node)


def _both(first: Visit, then: Visit) -> Visit:
    def visit(node: Any, g: Any, derivatives: Sequence[Any]) -> None:
        first(node, g, derivatives)
        then(node, g, derivatives)

    return visit


def add_into_grad(root: Any, *, check: bool = False) -> None:
    """Add d(root)/d(node) into ``.grad`` of ``root`` and every node it depends on.

    No ``.grad`` changes unless the whole pass succeeds: the terms are added once
    every one is known, floats to floats (``Value.grad`` holds nothing else).
    """
    with running_sums(root) as order:  # the topological order, each _pass_grad at 0.0
        chain_rule(order, check=check)
        for node in order:
            node._grad += node._pass_grad
            node._pass_grad = 0.0
