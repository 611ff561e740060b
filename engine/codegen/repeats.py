"""Finding the piece of a graph that repeats: the same model on each sample of a batch.

A training graph is mostly one piece, the model and the loss of one sample, built
again for every sample and gathered by one n-ary node (the ``sum`` in the mean of
the losses). Compiled code runs such a piece as one block in a loop, so the code is
as long as one sample's graph, not the whole batch's; a picture draws one sample of it.
"""

from collections import Counter
from collections.abc import Collection, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any

Node = Any  # a Value; typed loosely, as this module walks only .parents, ._rule and ._ctx


class Repeat:
    """The operands of ``fan_in``, each the root of the same piece of graph.

    ``pieces[k]`` lists the nodes of the k-th piece in topological order; they
    depend on the compiled inputs and nothing outside the piece uses them.
    ``constants[k]`` lists the constants the k-th piece reads, in one order for
    every piece (``constants[0][j]`` plays the part of ``constants[k][j]``).
    """

    __slots__ = ("constants", "fan_in", "pieces")

    def __init__(self, fan_in: Node, pieces: list[list[Node]], constants: list[list[Node]]):
        self.fan_in = fan_in
        self.pieces = pieces
        self.constants = constants


def varying(order: Sequence[Node], inputs: Collection[Node]) -> set[Node]:
    """Return the nodes of ``order`` (topological) that are inputs or depend on one."""
    varies: set[Node] = set()
    for node in order:
        if node in inputs or not varies.isdisjoint(node.parents):
            varies.add(node)
    return varies


def repeated_pieces(
    order: Sequence[Node], inputs: Sequence[Node], *, min_repeats: int = 4
) -> list[Repeat]:
    """Return the n-ary nodes of ``order`` whose operands are all copies of one piece.

    ``order`` is a graph in topological order, and ``inputs`` the leaves whose
    numbers change from one run to the next (the parameters); nodes that depend on
    none of them are constants. A piece may read inputs and constants, but no other
    node from outside it: a node shared between pieces would need its gradient
    gathered from all of them, and running it once outside the loop would change the
    order in which the backward pass adds gradients up. Repeats are not nested, and
    fewer than ``min_repeats`` copies are not a repeat.
    """
    position = {node: i for i, node in enumerate(order)}
    ids = {node: -1 - i for i, node in enumerate(inputs)}
    inner = varying(order, ids).difference(ids)
    uses = Counter(chain.from_iterable(map(attrgetter("parents"), order)))
    taken: set[Node] = set()
    found = []
    for fan_in in reversed(order):  # the outermost first
        if fan_in in taken or fan_in._rule.arity != 0 or len(fan_in.parents) < min_repeats:
            continue
        repeat = _repeat(fan_in, inner, ids, uses, position)
        if repeat is not None:
            found.append(repeat)
            for piece in repeat.pieces:
                taken.update(piece)
    return found


def _repeat(
    fan_in: Node,
    inner: set[Node],
    ids: dict[Node, int],
    uses: Counter[Node],
    position: dict[Node, int],
) -> Repeat | None:
    pieces, constants = [], []
    first: list[object] | None = None
    for root in fan_in.parents:
        if root not in inner or uses[root] != 1:
            return None
        piece = _piece(root, inner, uses, position)
        if piece is None:
            return None
        shape, reads = _shape(piece, ids)
        if first is None:
            first = shape
        elif shape != first:
            return None
        pieces.append(piece)
        constants.append(reads)
    return Repeat(fan_in, pieces, constants)


def _piece(
    root: Node, inner: set[Node], uses: Counter[Node], position: dict[Node, int]
) -> list[Node] | None:
    """Return the nodes computed for ``root`` alone, or None if one is shared."""
    piece = {root}
    stack = [root]
    inner_edges = 0
    while stack:
        parents = stack.pop().parents
        inner_edges += sum(map(inner.__contains__, parents))
        new = inner.intersection(parents) - piece
        piece |= new
        stack += new
    # Every use of a piece's node comes from inside it, but the root's one use.
    if sum(map(uses.__getitem__, piece)) != inner_edges + 1:
        return None
    return sorted(piece, key=position.__getitem__)


def _shape(piece: list[Node], ids: dict[Node, int]) -> tuple[list[object], list[Node]]:
    """Return what must match between pieces, and the constants this one reads.

    ``ids`` numbers the inputs -1, -2, ...; the piece's own nodes are numbered
    0, 1, ... here, and a constant is ("constant", j), the j-th this piece reads.
    """
    ids = {**ids, **{node: i for i, node in enumerate(piece)}}
    reads: dict[Node, int] = {}
    shape: list[object] = []
    for node in piece:
        refs: tuple[object, ...] = tuple(map(ids.get, node.parents))
        if None in refs:
            refs = tuple(
                ("constant", reads.setdefault(p, len(reads))) if r is None else r
                for p, r in zip(node.parents, refs, strict=True)
            )
        shape += (node._rule, node._ctx, refs)
    return shape, list(reads)
