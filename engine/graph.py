"""Walking the computation graph: the topological order behind every backward pass."""

from collections.abc import Sequence
from typing import Protocol, TypeVar


class Node(Protocol):
    """Anything with ``parents``: the graph's only structure."""

    @property
    def parents(self) -> Sequence["Node"]:
        """The operands this node was computed from."""
        ...


N = TypeVar("N", bound=Node)


def topological_order(root: N) -> list[N]:
    """Return ``root`` and every node it depends on, each after all of its parents.

    The walk is a depth-first search with an explicit stack, not recursion, so a
    graph a million nodes deep needs no more than Python's default recursion
    limit. Parents are visited in order, so the result is the same every run.
    """
    order: list[N] = []
    seen: set[N] = set()
    # Each entry is (node, expanded). A node is expanded once, pushing its parents
    # above itself; when it comes back up, every parent is in the order already.
    stack: list[tuple[N, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            parents = node.parents
            if parents:
                stack.append((node, True))
                for parent in reversed(parents):
                    if parent not in seen:
                        stack.append((parent, False))  # type: ignore[arg-type]
            else:  # a leaf has nothing to wait for
                order.append(node)
    return order
