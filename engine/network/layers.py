"""Neurons and layers read off a graph: equation (1) of the backpropagation algorithm.

A neuron computes its pre-activation ``a = w·x + b`` and perhaps its activation
``h = f(a)`` (docs/algorithm.md). Its ``a`` is one fused node, ``dot+b`` (as
``nn.Neuron`` builds it) or ``dot``, whose weights and bias are parameters and whose
inputs are not. When the caller says who owns each parameter (a model's named
parameters do), a neuron is instead the nodes that read one owner's parameters and
the sums of those, however they are written (micrograd's ``sum(w*x, b)``).

Neurons of one owner's list that read the same inputs, in the same order, form a layer:
``a = W h + b``, row j of W the weights of neuron j. A layer's activation follows one
rule: a unary row of ``engine.ops`` that alone reads each neuron's ``a``, the same
operation with the same parameters for every neuron; without one the layer is linear.
Layers are numbered as the algorithm numbers them: a layer reading the data is 1, a
layer reading anything computed from layer l's outputs is l + 1 (or more).
"""

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from operator import attrgetter
from typing import Any

from engine import ops

Node = Any  # a Value; read: its parents, .data, .op and its row (_operation, _params)

ACTIVATIONS = frozenset(op for op in ops.TABLE if op.arity == 1)
"""The operations a neuron may apply to its pre-activation: the unary rows of the table."""

_FUSED = (ops.DOT_PLUS, ops.DOT)
_GATHERS = (ops.ADD, ops.SUM)  # how a neuron written by hand adds its terms and its bias
# An owner held in a list, "layers.0.neurons.3": the list "layers.0", the place j = 3.
_INDEXED = re.compile(r"^(?:(?P<layer>.*)\.)?[^.]+\.(?P<j>\d+)$")


@dataclass(eq=False)
class Neuron:
    """One neuron found in the graph: the nodes of ``f(w·x + b)``."""

    key: str
    """Its owner (``layers.0.neurons.3``), or ``dot<i>`` for the fused node i of the order."""
    layer_key: str
    """What holds it in a list (``layers.0``); the fused neurons of one layer share one."""
    index: int
    """Its place in its layer: j in the backpropagation algorithm."""
    weights: list[Node]
    bias: Node | None
    pre: Node
    """The pre-activation ``a``: the node that adds the weighted inputs and the bias."""
    out: Node
    """The neuron's output ``h``: its activation node, or ``pre`` for a linear neuron."""
    nodes: list[Node]
    """Every node the neuron computes, in topological order (``out`` last)."""
    inputs: list[Node | None] = field(default_factory=list)
    """What each weight multiplies (h^(l-1), or x, in equation (1)); None where unknown."""
    layer: int = -1
    """The place of the neuron's layer in ``Network.layers``; -1 when it is in none."""

    @property
    def activation(self) -> str:
        """The activation's operation as the graph writes it ("relu", "tanh", ...) or "linear"."""
        return str(self.out.op) if self.out is not self.pre else "linear"

    @property
    def parameters(self) -> list[Node]:
        """The neuron's weights, then its bias."""
        return [*self.weights, *([self.bias] if self.bias is not None else [])]


@dataclass(eq=False)
class Layer:
    """Neurons that read the same inputs: ``a = W h + b`` and ``h = f(a)``, one layer l."""

    neurons: list[Neuron]
    inputs: list[Node]
    """The input vector (h^(l-1) in equation (1), x for layer 1), as every neuron reads it."""
    number: int = 1
    """The algorithm's l, counted from 1, the first hidden layer."""
    index: int = 0
    """The layer's place in ``Network.layers``."""
    above: "Layer | None" = None
    """The layer that alone reads this one's outputs, through its weights (layer l + 1)."""

    @property
    def pre(self) -> list[Node]:
        """Each neuron's pre-activation node: the vector a."""
        return [n.pre for n in self.neurons]

    @property
    def activations(self) -> list[Node]:
        """Each neuron's activation node ``f(a_j)``: the vector h; [] for a linear layer."""
        first = self.neurons[0]
        return [n.out for n in self.neurons] if first.out is not first.pre else []

    @property
    def weights(self) -> list[list[Node]]:
        """The matrix W: row j is neuron j's weights."""
        return [n.weights for n in self.neurons]

    @property
    def biases(self) -> list[Node]:
        """The vector b; [] when the neurons have no bias (``dot`` nodes)."""
        return [n.bias for n in self.neurons if n.bias is not None]

    def through_weights(self, delta: Sequence[float]) -> list[float]:
        """Return ``(Wᵀ delta)_j = Σ_k W[k,j] delta_k`` for each input j, from the weights' data.

        With ``delta`` this layer's error signal, that is what equation (4) multiplies by
        f'(a) for the layer below, when nothing else reads its outputs (``above``). The
        terms are added as ``nn.backprop`` adds them.
        """
        return [
            sum(n.weights[j].data * d for n, d in zip(self.neurons, delta, strict=True))
            for j in range(len(self.inputs))
        ]


@dataclass(eq=False)
class Network:
    """What a graph holds of a network: its neurons and the layers they form."""

    neurons: list[Neuron]
    layers: list[Layer]
    """In the order of their numbers, then of the graph; [] when a neuron's input is unknown."""


def find_network(
    order: Sequence[Node],
    parameters: Collection[Node] = (),
    *,
    owners: Mapping[Node, str] | None = None,
    linear: Collection[str] = (),
    shared: bool = True,
) -> Network:
    """Return the neurons and layers of ``order``, a graph in topological order.

    Without ``owners``, each ``dot+b`` or ``dot`` node whose weights and bias are
    ``parameters``, and whose inputs are not, is a neuron. A model run on several
    samples then has neurons for each run; unless ``shared``, a parameter belongs to
    the first neuron that reads it only, so that it has one place in one layer's W or b
    (``engine.compile``'s matrices and names), and where two neurons share a weight it
    stays a node of its own, whose gradient adds its uses up.

    ``owners`` maps each parameter to its owner's name, in the order of the owner's
    parameters (a model's module path, ``layers.0.neurons.3``): a neuron is then the
    nodes that read one owner's parameters and the sums of those, used nowhere else.
    The neurons of the owners in ``linear`` (a model's word) have no activation,
    whatever reads their ``a``.
    """
    consumers = _consumers(order)
    if owners is None:
        neurons = _fused(order, parameters, shared)
    else:
        neurons = _owned(order, owners, consumers)
    groups: dict[tuple[Any, ...], list[Neuron]] = {}
    for neuron in neurons:
        groups.setdefault((neuron.layer_key, *map(id, neuron.inputs)), []).append(neuron)
    for group in groups.values():
        if not any(n.key in linear for n in group):
            _activate(group, consumers)
    if any(x is None for n in neurons for x in n.inputs):
        return Network(neurons, [])
    return Network(neurons, _layers(order, groups.values(), consumers))


def weight_slots(order: Iterable[Node]) -> set[Node]:
    """Return the nodes the ``dot+b`` and ``dot`` nodes of ``order`` read as weights or bias."""
    slots: set[Node] = set()
    for node in order:
        rule = node._operation
        if rule is ops.DOT_PLUS or rule is ops.DOT:
            parents = node.parents
            slots.update(parents[: len(parents) // 2])
            if rule is ops.DOT_PLUS:
                slots.add(parents[-1])
    return slots


def _consumers(order: Sequence[Node]) -> dict[Node, list[Node]]:
    """Each node of ``order``: the nodes of ``order`` that read it, each once."""
    consumers: dict[Node, list[Node]] = {node: [] for node in order}
    for node in order:
        for parent in dict.fromkeys(node.parents):
            if parent in consumers:
                consumers[parent].append(node)
    return consumers


def _fused(order: Sequence[Node], parameters: Collection[Node], shared: bool) -> list[Neuron]:
    """Each fused node whose weights (and bias) are parameters, and what they multiply not."""
    neurons = []
    used: set[Node] = set()
    layer_keys: dict[tuple[Any, ...], str] = {}
    places: dict[str, int] = {}
    for i, node in enumerate(order):
        rule = node._operation
        if rule is not ops.DOT_PLUS and rule is not ops.DOT:
            continue
        parents = node.parents
        n = len(parents) // 2
        weights, reads = list(parents[:n]), list(parents[n : 2 * n])
        bias = parents[-1] if rule is ops.DOT_PLUS else None
        own = weights if bias is None else [*weights, bias]
        if (
            not reads
            or not all(p in parameters for p in own)
            or any(x in parameters for x in reads)
            or len(set(own)) != len(own)
            or (not shared and not used.isdisjoint(own))
        ):
            continue
        used.update(own)
        # Neurons that read the same inputs, with a bias or without, are one layer's.
        layer_key = layer_keys.setdefault((rule, *reads), f"layer{len(layer_keys)}")
        j = places[layer_key] = places.get(layer_key, -1) + 1
        neurons.append(Neuron(f"dot{i}", layer_key, j, weights, bias, node, node, [node], reads))
    return neurons


def _owned(
    order: Sequence[Node], owners: Mapping[Node, str], consumers: dict[Node, list[Node]]
) -> list[Neuron]:
    """Neurons by their parameters' owners: the nodes that read them, and the sums of those."""
    position = {node: i for i, node in enumerate(order)}
    of_owner: dict[str, list[Node]] = {}
    for p, key in owners.items():
        of_owner.setdefault(key, []).append(p)
    # An owner may run more than once (a batch too small to fold): each run is an instance
    # of its own, the nodes that read its parameters and the sums of those.
    instances: dict[int, tuple[str, list[Node]]] = {}
    instance_of: dict[Node, int] = {}
    fresh = count()
    for node in order:
        if not node.parents:
            continue
        keys = {owners[p] for p in node.parents if p in owners}
        read = sorted({instance_of[p] for p in node.parents if p in instance_of})
        if len(keys) == 1:
            key = keys.pop()
            same = [i for i in read if instances[i][0] == key]
            target = same[0] if same else next(fresh)
            instances.setdefault(target, (key, []))
        elif keys or not read or len({instances[i][0] for i in read}) != 1:
            continue
        else:
            target = read[0]
            nodes = [n for i in read for n in instances[i][1]]
            if not _gathers(node, nodes, consumers):
                continue
            same = read
        # The terms w_i * x_i start apart; the sum that adds them makes them one instance.
        for i in same[1:]:
            for n in instances.pop(i)[1]:
                instance_of[n] = target
                instances[target][1].append(n)
        instances[target][1].append(node)
        instance_of[node] = target
    neurons = []
    for key, nodes in instances.values():
        nodes.sort(key=position.__getitem__)
        neuron = _neuron(key, nodes, of_owner[key], consumers)
        if neuron is not None:
            neurons.append(neuron)
    return neurons


def _gathers(node: Node, nodes: list[Node], consumers: dict[Node, list[Node]]) -> bool:
    """Whether ``node`` sums a neuron's terms: a ``+`` or ``sum`` of its nodes, used only here.

    A constant may join in: Python's ``sum`` starts from 0.
    """
    if node._operation not in _GATHERS:
        return False
    inside = [p for p in node.parents if p.parents or p in nodes]
    constants = [p for p in node.parents if not p.parents and not p.label]
    return (
        len(inside) + len(constants) == len(node.parents)
        and all(p in nodes and consumers[p] == [node] for p in inside)
        and bool(inside)
    )


def _neuron(
    key: str, nodes: list[Node], params: list[Node], consumers: dict[Node, list[Node]]
) -> Neuron | None:
    """A neuron from its computed nodes (its ``a`` last) and parameters, or None if not one."""
    pre = nodes[-1]
    inside = set(nodes)
    # Every node but a is used inside the neuron only: else it is no single neuron.
    if any(not inside.issuperset(consumers[n]) for n in nodes if n is not pre):
        return None
    weights = [p for p in params if not _is_bias(p, nodes)]
    biases = [p for p in params if _is_bias(p, nodes)]
    if len(biases) > 1 or not weights:
        return None
    match = _INDEXED.match(key)
    layer_key, j = (match["layer"] or "", int(match["j"])) if match else (key, 0)
    bias = biases[0] if biases else None
    inputs = [_input_of(w, nodes) for w in weights]
    return Neuron(key, layer_key, j, weights, bias, pre, pre, list(nodes), inputs)


def _is_bias(p: Node, nodes: list[Node]) -> bool:
    """A bias is added, not multiplied: the last operand of ``dot+b``, or a ``+`` operand."""
    for node in nodes:
        if p in node.parents:
            if node._operation is ops.DOT_PLUS:
                return node.parents[-1] is p
            return node._operation in _GATHERS
    return False


def _input_of(w: Node, nodes: list[Node]) -> Node | None:
    """What the weight ``w`` multiplies in ``nodes``: its partner in a ``dot`` or a ``*``."""
    for node in nodes:
        parents = node.parents
        if w not in parents:
            continue
        if node._operation in _FUSED:
            n = len(parents) // 2
            return parents[parents.index(w) + n] if parents.index(w) < n else None
        if node._operation is ops.MUL and len(parents) == 2:
            return parents[1] if parents[0] is w else parents[0]
    return None


def _activate(neurons: list[Neuron], consumers: dict[Node, list[Node]]) -> None:
    """Give one layer's neurons their activation, if they share one (the rule of the docstring)."""
    chosen = []
    for neuron in neurons:
        after = consumers[neuron.pre]
        if len(after) != 1 or after[0]._operation not in ACTIVATIONS:
            return
        chosen.append(after[0])
    f = chosen[0]
    if any(h._operation is not f._operation or h._params != f._params for h in chosen):
        return
    for neuron, h in zip(neurons, chosen, strict=True):
        neuron.out = h
        neuron.nodes.append(h)


def _layers(
    order: Sequence[Node], groups: Iterable[list[Neuron]], consumers: dict[Node, list[Node]]
) -> list[Layer]:
    """The layers of the groups of neurons: numbered, sorted by number, each with its ``above``."""
    layers = []
    for neurons in groups:
        neurons.sort(key=attrgetter("index"))
        layers.append(Layer(neurons, list(neurons[0].inputs)))
    _number(order, layers)
    layers.sort(key=attrgetter("number"))  # stable: layers of one number in the graph's order
    for i, layer in enumerate(layers):
        layer.index = i
        for neuron in layer.neurons:
            neuron.layer = i
    pre = {n.pre: layer for layer in layers for n in layer.neurons}
    for layer in layers:
        layer.above = _above(layer, pre, consumers)
    return layers


def _number(order: Sequence[Node], layers: list[Layer]) -> None:
    """Number the layers by depth: 1 + the deepest layer any of their inputs is computed from."""
    of = {node: layer for layer in layers for n in layer.neurons for node in n.nodes}
    depth: dict[Node, int] = {}
    for node in order:
        layer = of.get(node)
        if layer is None:
            depth[node] = max((depth.get(p, 0) for p in node.parents), default=0)
        else:
            below = max((depth.get(x, 0) for x in layer.inputs), default=0)
            layer.number = max(layer.number, 1 + below)
            depth[node] = layer.number


def _above(layer: Layer, pre: dict[Node, Layer], consumers: dict[Node, list[Node]]) -> Layer | None:
    """The layer that alone reads this one's outputs, as its inputs in order; else None.

    Only then is delta the backpropagation algorithm's recursion, equation (4),
    (W^(l+1))^T delta^(l+1) ⊙ f'(a^l): an output read elsewhere too (a skip, the loss)
    takes its gradient from there as well.
    """
    outs = [n.out for n in layer.neurons]
    readers = {id(pre.get(c)): pre.get(c) for out in outs for c in consumers[out]}
    if len(readers) != 1:
        return None
    (above,) = readers.values()
    if above is None or len(above.inputs) != len(outs):
        return None
    return above if all(x is h for x, h in zip(above.inputs, outs, strict=True)) else None
