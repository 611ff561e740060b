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

from engine.ops import ADD

Node = Any  # a Value; typed loosely, as this module reads only its operands, _operation and _params


class Repeat:
    """The copies of one piece of graph that ``fan_in`` gathers.

    ``pieces[k]`` lists the nodes of the k-th piece in topological order; they
    depend on the compiled inputs and nothing outside the piece uses them.
    ``constants[k]`` lists the constants the k-th piece reads, in one order for
    every piece (``constants[0][j]`` plays the part of ``constants[k][j]``).

    ``fan_in`` is an n-ary node whose operands are the pieces' roots, or the top of
    a chain of binary ``+`` (Python's ``sum``). Then ``links`` lists the chain's
    nodes, top last, and the chain adds, left to right, ``before``, the roots,
    then ``after``: the terms that are not pieces (``sum``'s start, 0, is one). The
    pieces are in the order the graph computes them, which a right-leaning chain
    adds last to first: then ``backwards`` is true.
    """

    __slots__ = ("after", "backwards", "before", "constants", "fan_in", "links", "pieces")

    def __init__(
        self,
        fan_in: Node,
        pieces: list[list[Node]],
        constants: list[list[Node]],
        links: Sequence[Node] = (),
        before: Sequence[Node] = (),
        after: Sequence[Node] = (),
        backwards: bool = False,
    ) -> None:
        self.fan_in = fan_in
        self.pieces = pieces
        self.constants = constants
        self.links = list(links)
        self.before = list(before)
        self.after = list(after)
        self.backwards = backwards

    @property
    def roots(self) -> list[Node]:
        """The pieces' roots, in the order ``fan_in`` adds them."""
        return [piece[-1] for piece in self.pieces]


def varying(order: Sequence[Node], inputs: Collection[Node]) -> set[Node]:
    """Return the nodes of ``order`` (topological) that are inputs or depend on one."""
    varies: set[Node] = set()
    for node in order:
        if node in inputs or not varies.isdisjoint(node._parents):
            varies.add(node)
    return varies


def repeated_pieces(
    order: Sequence[Node],
    inputs: Sequence[Node],
    *,
    min_repeats: int = 4,
    chains: bool | Sequence[list[Node]] = True,
    keep: Collection[Node] = (),
    varies: set[Node] | None = None,
    uses: Counter[Node] | None = None,
) -> list[Repeat]:
    """Return the places in ``order`` that gather copies of one piece, one per sample.

    Such a place is an n-ary node whose operands are all copies (``engine.sum`` of
    the losses), or, with ``chains``, a chain of binary ``+`` (Python's ``sum``) with a
    run of copies among its terms; a mean's ``/ n`` or ``* (1 / n)`` comes after it.

    ``order`` is a graph in topological order, and ``inputs`` the leaves whose
    numbers change from one run to the next (the parameters); nodes that depend on
    none of them are constants. A piece may read inputs and constants, but no other
    node from outside it: a node shared between pieces would need its gradient
    gathered from all of them, and running it once outside the loop would change the
    order in which the backward pass adds gradients up. Repeats are not nested, and
    fewer than ``min_repeats`` copies are not a repeat. The nodes in ``keep`` (ones
    the caller reads) are not hidden inside a chain. A caller that has them already
    passes ``varies`` (``varying`` of the inputs), ``uses`` (``uses_of``) and, as
    ``chains``, the chains ``sum_chains`` found (with ``min_terms=2``).
    """
    position = {node: i for i, node in enumerate(order)}
    ids = {node: -1 - i for i, node in enumerate(inputs)}
    inner = (varying(order, ids) if varies is None else varies).difference(ids)
    uses = uses_of(order) if uses is None else uses
    if chains is True:
        chains = sum_chains(order, keep=keep, min_terms=2, uses=uses, varies=inner)
    tops = {links[-1]: links for links in chains or ()}
    taken: set[Node] = set()
    found = []
    for fan_in in reversed(order):  # the outermost first
        if fan_in in taken:
            continue
        if fan_in._operation.arity == 0 and len(fan_in.parents) >= min_repeats:
            repeat = _repeat(fan_in, inner, ids, uses, position)
        elif fan_in in tops:
            repeat = _chain_repeat(tops[fan_in], inner, ids, uses, position, min_repeats)
        else:
            continue
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
    template: _Template | None = None
    for root in fan_in.parents:
        if template is None:
            template = _Template.of(root, inner, ids, uses, position)
            if template is None:
                return None
            copy: tuple[list[Node], list[Node]] | None = (template.piece, template.reads)
        else:
            copy = template.copy(root, inner, ids, uses)
        if copy is None:
            return None
        pieces.append(copy[0])
        constants.append(copy[1])
    return Repeat(fan_in, pieces, constants)


class _Template:
    """One piece, found by a walk from its root, that other roots are matched against."""

    def __init__(self, piece: list[Node], reads: list[Node], uses: Counter[Node]) -> None:
        self.piece = piece
        self.reads = reads
        # What a copy's node must match, for each of the template's nodes: its operation,
        # its parameters, its uses and, for each operand, where it is: ("piece", i) for the
        # template's node i, ("input", the node) for an input every copy shares, ("read", j)
        # for the template's constant j. Worked out once, not at each copy's node.
        index = {node: i for i, node in enumerate(piece)}
        constant = {node: j for j, node in enumerate(reads)}
        self.plan = [
            (
                t._operation,
                t._params,
                uses[t],
                [
                    ("piece", index[a])
                    if a in index
                    else ("read", constant[a])
                    if a in constant
                    else ("input", a)
                    for a in t._parents
                ],
            )
            for t in piece
        ]

    @classmethod
    def of(
        cls,
        root: Node,
        inner: set[Node],
        ids: dict[Node, int],
        uses: Counter[Node],
        position: dict[Node, int],
    ) -> "_Template | None":
        """Return the piece computed for ``root`` alone, or None if it has none."""
        if root not in inner or uses[root] != 1:
            return None
        piece = _piece(root, inner, uses, position)
        return None if piece is None else cls(piece, _constants(piece, ids), uses)

    def copy(
        self, root: Node, inner: set[Node], ids: dict[Node, int], uses: Counter[Node]
    ) -> tuple[list[Node], list[Node]] | None:
        """Return ``root``'s piece and constants if it copies this one, node for node; else None.

        The walk goes from the roots down, side by side: the same operations, the same
        inputs, the copy's own nodes where the template has its own, constants where it
        has constants. A copy's node used as often as the template's is used from inside.
        """
        if root not in inner:
            return None
        plan = self.plan
        mapping: list[Node] = [None] * len(plan)  # the copy's node for each of the template's
        mapping[-1] = root
        taken = {root}
        reads: list[Node] = [None] * len(self.reads)
        for i in range(len(plan) - 1, -1, -1):
            n = mapping[i]
            operation, params, used, where = plan[i]
            theirs = n._parents
            if (
                n._operation is not operation
                or n._params != params
                or uses[n] != used
                or len(theirs) != len(where)
            ):
                return None
            for (kind, place), b in zip(where, theirs, strict=True):
                if kind == "piece":
                    seen = mapping[place]
                    if seen is None:
                        if b not in inner or b in taken:
                            return None
                        mapping[place] = b
                        taken.add(b)
                    elif seen is not b:
                        return None
                elif kind == "input":
                    if b is not place:
                        return None
                elif b in inner or b in ids:
                    return None
                elif reads[place] is None:
                    reads[place] = b
                elif reads[place] is not b:
                    return None
        return mapping, reads


def uses_of(order: Sequence[Node]) -> Counter[Node]:
    """Return how many times each node of ``order`` is an operand."""
    return Counter(chain.from_iterable(map(attrgetter("_parents"), order)))


def sum_chains(
    order: Sequence[Node],
    *,
    keep: Collection[Node] = (),
    min_terms: int = 3,
    uses: Counter[Node] | None = None,
    varies: Collection[Node] | None = None,
) -> list[list[Node]]:
    """Return the chains of binary ``+`` in ``order`` (Python's ``sum``), innermost link first.

    Compiled code adds a chain's terms in one call, left to right as the chain does,
    instead of a line per link; a link in ``keep`` (one the caller reads) ends a chain,
    and so does one not in ``varies`` (a constant, whose number the code holds).
    """
    uses = uses_of(order) if uses is None else uses
    keep = set(keep)
    taken: set[Node] = set()
    found = []
    for node in reversed(order):
        if node._operation is ADD and node not in taken and (varies is None or node in varies):
            links = _chain(node, uses, keep, varies)
            taken.update(links)
            if len(links) + 1 >= min_terms:
                found.append(links)
    return found


def _chain(
    top: Node, uses: Counter[Node], keep: set[Node], varies: Collection[Node] | None
) -> list[Node]:
    """Return the chain of binary ``+`` that ends at ``top``, innermost first.

    A link is a ``+`` used only by the next link; the chain leans one way, as
    ``sum(terms)`` builds it (left) or a recursive sum does (right).
    """
    longest = [top]
    for side in (0, 1):
        links = [top]
        node = top.parents[side]
        while (
            node._operation is ADD
            and uses[node] == 1
            and node not in keep
            and (varies is None or node in varies)
        ):
            links.append(node)
            node = node.parents[side]
        if len(links) > len(longest):
            longest = links
    return longest[::-1]


def chain_terms(links: list[Node]) -> list[Node]:
    """Return a chain's terms in the order its additions take them.

    ``(t0 + t1) + t2`` adds t0, t1, t2; so does ``t2 + (t1 + t0)``, as ``a + b`` and
    ``b + a`` are the same float.
    """
    first = links[0].parents
    if _leans_left(links):
        return [*first, *(link.parents[1] for link in links[1:])]
    return [first[1], first[0], *(link.parents[0] for link in links[1:])]


def _leans_left(links: list[Node]) -> bool:
    return len(links) == 1 or links[1].parents[0] is links[0]


def _chain_repeat(
    links: list[Node],
    inner: set[Node],
    ids: dict[Node, int],
    uses: Counter[Node],
    position: dict[Node, int],
    min_repeats: int,
) -> Repeat | None:
    """Return the longest run of copies of one piece among a chain's terms, if long enough."""
    if len(links) + 1 < min_repeats:
        return None
    # Runs of copies among the terms, each matched against the run's first piece.
    terms = chain_terms(links)
    best: list[tuple[list[Node], list[Node]]] = []
    best_at = 0
    run: list[tuple[list[Node], list[Node]]] = []
    run_at = 0
    template: _Template | None = None
    for i, root in enumerate(terms):
        copy = template.copy(root, inner, ids, uses) if template is not None else None
        if copy is None:
            if len(run) > len(best):
                best, best_at = run, run_at
            template = _Template.of(root, inner, ids, uses, position)
            run = [] if template is None else [(template.piece, template.reads)]
            run_at = i
        else:
            run.append(copy)
    if len(run) > len(best):
        best, best_at = run, run_at
    if len(best) < min_repeats:
        return None
    lo, hi = best_at, best_at + len(best)
    copies = list(best)
    # A right-leaning chain adds its last term first; the graph computes that one last.
    backwards = not _leans_left(links)
    if backwards:
        copies.reverse()
    return Repeat(
        links[-1],
        [piece for piece, _ in copies],
        [reads for _, reads in copies],
        links,
        terms[:lo],
        terms[hi:],
        backwards,
    )


def _piece(
    root: Node, inner: set[Node], uses: Counter[Node], position: dict[Node, int]
) -> list[Node] | None:
    """Return the nodes computed for ``root`` alone, or None if one is shared."""
    if inner.isdisjoint(root._parents):  # a piece of one node, as sum(p * p for p in ps)
        return [root] if uses[root] == 1 else None
    piece = {root}
    stack = [root]
    inner_edges = 0
    while stack:
        parents = stack.pop()._parents
        inner_edges += sum(map(inner.__contains__, parents))
        new = inner.intersection(parents) - piece
        piece |= new
        stack += new
    # Every use of a piece's node comes from inside it, but the root's one use.
    if sum(map(uses.__getitem__, piece)) != inner_edges + 1:
        return None
    return sorted(piece, key=position.__getitem__)


def _constants(piece: list[Node], ids: dict[Node, int]) -> list[Node]:
    """Return the constants a piece reads (neither its own nodes nor inputs), once each."""
    own = set(piece)
    reads = chain.from_iterable(node._parents for node in piece)
    return list(dict.fromkeys(p for p in reads if p not in own and p not in ids))
