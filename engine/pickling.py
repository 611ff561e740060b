"""Pickling a Value: a graph as a flat list, so that no depth is too deep.

A leaf pickles alone. A node pickles its graph as a list in topological order, each
node as its operation and its operands' places, so the unpickled node can still
``backward()``, however deep its graph. Leaves keep their identity within one pickle
(parameters pickled beside a loss are the loss's own); inner nodes come back once for
each node pickled. A first reading may skip this file.
"""

from typing import Any

from engine import edits
from engine.graph import topological_order
from engine.value import Value


def reduce(value: Value) -> tuple[Any, ...]:
    """Return what pickle stores for ``value`` (``Value.__reduce__``)."""
    if not value._parents:
        return leaf, (value._data, value._grad, value._label)
    order = topological_order(value)
    place = {node: i for i, node in enumerate(order)}
    records: list[Value | tuple[Any, ...]] = [
        node
        if not node._parents
        else (
            *(node._operation, node._params, tuple(place[p] for p in node._parents)),
            *(node._data, node._grad, node._label, edits.culprit(node) is not None),
        )
        for node in order
    ]
    return graph, (records,)


def leaf(data: float, grad: float, label: str) -> Value:
    """Unpickle a leaf."""
    made = Value(data, label)
    made._grad = grad
    return made


def graph(records: list[Value | tuple[Any, ...]]) -> Value:
    """Unpickle a node and its graph, from ``reduce``'s list; return the node."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):
            nodes.append(record)
            continue
        op, params, places, data, grad, label, edited = record
        node: Value = object.__new__(Value)
        node._data, node._grad, node._pass_grad, node._label = data, grad, 0.0, label
        node._parents = tuple(nodes[i] for i in places)
        node._operation, node._params, node._stamp = op, params, edits.count
        if edited:  # an operand's number had changed since: its backward pass still refuses
            edits.note(node)
        nodes.append(node)
    return nodes[-1]
