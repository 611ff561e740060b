"""Finding the algorithm's matrices in one sample's piece: neurons that read the same inputs.

A neuron is one fused node, ``dot+b`` (``w . x + b``, as ``nn.Neuron`` builds it) or
``dot``. Neurons whose weights and biases are parameters and which read the same
inputs, in the same order, form a layer: ``a = W @ h + b``, one matrix product for
the whole batch. When every neuron of a layer goes through the same activation,
those nodes are ``h = f(a)``: equation (1) of the backpropagation algorithm
(docs/algorithm.md). Layers are numbered as the algorithm numbers them: a layer
reading the data is 1, a layer reading layer l's outputs is l + 1.
"""

from collections.abc import Collection, Sequence
from typing import Any

from engine import ops

Node = Any  # a Value; this module reads only .parents, ._rule and ._ctx


class Layer:
    """Neurons that read the same inputs: ``a = W @ h + b``, where ``W[j]`` is neuron j's weights.

    ``weights[j][i]`` and ``biases[j]`` are parameters (inputs of the compiled
    graph); ``biases`` is empty for ``dot`` neurons. ``reads`` are the inputs ``h``,
    ``number`` the algorithm's layer number l, and ``activation`` the nodes ``f(a_j)``, one
    per neuron, or empty when the neurons' users differ.
    """

    __slots__ = ("activation", "biases", "neurons", "number", "reads", "weights")

    def __init__(
        self,
        neurons: list[Node],
        weights: list[list[Node]],
        biases: list[Node],
        reads: list[Node],
    ) -> None:
        self.neurons = neurons
        self.weights = weights
        self.biases = biases
        self.reads = reads
        self.number = 1
        self.activation: list[Node] = []


def find_layers(piece: Sequence[Node], parameters: Collection[Node]) -> list[Layer]:
    """Return the layers of one piece (in topological order), in the order they compute.

    Each parameter is in at most one layer's ``W`` or ``b``, once: a weight shared by
    two neurons stays a node of its own, whose gradient adds its uses up.
    """
    groups: dict[tuple[Any, ...], Layer] = {}
    used: set[Node] = set()
    for node in piece:
        rule = node._rule
        if rule is not ops.DOT_PLUS and rule is not ops.DOT:
            continue
        parents = node.parents
        n = len(parents) // 2
        weights, reads = list(parents[:n]), list(parents[n : 2 * n])
        biases = [parents[-1]] if rule is ops.DOT_PLUS else []
        own = [*weights, *biases]
        if (
            not reads
            or not all(p in parameters for p in own)
            or any(x in parameters for x in reads)
            or len(set(own)) != len(own)
            or not used.isdisjoint(own)
        ):
            continue
        key = (rule, *reads)
        layer = groups.get(key)
        if layer is None:
            groups[key] = Layer([node], [weights], biases, reads)
        else:
            layer.neurons.append(node)
            layer.weights.append(weights)
            layer.biases += biases
        used.update(own)
    layers = list(groups.values())
    _activations(piece, layers)
    _number(piece, layers)
    return layers


def _activations(piece: Sequence[Node], layers: list[Layer]) -> None:
    """Give each layer its activation: one unary node per neuron, all the same operation."""
    users: dict[Node, list[Node]] = {}
    for node in piece:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    for layer in layers:
        first = [
            u
            for u in users.get(layer.neurons[0], [])
            if u._rule.arity == 1 and u._rule in ops.TABLE
        ]
        for candidate in first:
            chosen = [candidate]
            for neuron in layer.neurons[1:]:
                same = [
                    u
                    for u in users.get(neuron, [])
                    if u._rule is candidate._rule and u._ctx == candidate._ctx
                ]
                if not same:
                    break
                chosen.append(same[0])
            else:
                layer.activation = chosen
                break


def _number(piece: Sequence[Node], layers: list[Layer]) -> None:
    """Number the layers by depth: 1 + the deepest layer any of their inputs comes from."""
    of = {neuron: layer for layer in layers for neuron in layer.neurons}
    depth: dict[Node, int] = {}
    for node in piece:
        below = max((depth.get(p, 0) for p in node.parents), default=0)
        layer = of.get(node)
        if layer is not None:
            layer.number = max(layer.number, 1 + max(depth.get(x, 0) for x in layer.reads))
            depth[node] = layer.number
        else:
            depth[node] = below
