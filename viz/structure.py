"""What a graph is made of, above single Values: neurons, layers, and the piece a batch repeats.

A picture at the scale of a model needs to know which nodes make up each neuron
(its weights, bias, pre-activation ``a = w·x + b`` and activation ``h = f(a)``),
which neurons form a layer (they read the same inputs), and whether the loss
gathers the same per-sample piece over a batch. ``engine`` knows nothing of
modules, so this is read off the graph: with a model, its named parameters say
which neuron owns each weight; without one, each fused ``dot+b`` node is a neuron.
The batch is found by the same finder ``engine.compile`` uses for its loops.
"""

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter

import engine
from engine import Value
from engine.codegen import repeated_pieces
from nn import Module

ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "leaky_relu", "softplus", "exp", "sin", "cos"})
"""The unary operations a neuron may apply to its pre-activation and still be one neuron."""

_GATHERS = frozenset({"+", "sum"})
_INDEXED = re.compile(r"^(?:(?P<layer>.*)\.)?[^.]+\.(?P<j>\d+)$")


@dataclass(eq=False)
class Neuron:
    """One neuron found in the graph: the nodes of ``activation(w·x + b)``."""

    key: str
    """The owning module's path (``layers.0.neurons.3``), or a made-up key without a model."""
    layer_key: str
    """The path of the module that holds this neuron in a list (``layers.0``)."""
    index: int
    """The neuron's place in its layer: j in the backpropagation algorithm (docs/algorithm.md)."""
    weights: list[Value]
    bias: Value | None
    pre: Value
    """The pre-activation ``a``: the node that adds the weighted inputs and the bias."""
    out: Value
    """The neuron's output ``h``: its activation node, or ``pre`` for a linear neuron."""
    nodes: list[Value]
    """Every node the neuron computes, in topological order (``out`` last)."""
    inputs: list[Value | None] = field(default_factory=list)
    """What each weight multiplies (h^(l-1) or x in equation (1)), by weight; None if unknown."""
    layer: int = -1
    """The place of the neuron's layer in ``Structure.layers``; -1 when there are none."""

    @property
    def activation(self) -> str:
        """The activation's operation ("relu", "tanh", ...) or "linear"."""
        return self.out.op if self.out is not self.pre else "linear"

    @property
    def parameters(self) -> list[Value]:
        """The neuron's weights, then its bias."""
        return [*self.weights, *([self.bias] if self.bias is not None else [])]


@dataclass(eq=False)
class Layer:
    """Neurons that read the same inputs: a layer of the backpropagation algorithm."""

    index: int
    """The layer's place in ``Structure.layers`` (data flow order)."""
    neurons: list[Neuron]
    inputs: list[Value]
    """The layer's input vector (h^(l-1) in equation (1), or x for the first layer)."""
    depth: int = 0
    """How many layers come before it: the algorithm's l - 1 (0 for the first hidden layer)."""
    above: "Layer | None" = None
    """The layer that alone reads this one's outputs (the algorithm's l + 1), if any."""


@dataclass(eq=False)
class Batch:
    """A loss that gathers one per-sample piece over a batch, drawn as one sample's piece."""

    fan_in: Value
    """The node that gathers the samples (the ``sum`` in the mean of the losses)."""
    count: int
    sample: int
    """Which sample's piece is shown."""
    hidden: set[Value]
    """The nodes of every other sample's piece, and the data only they read."""
    piece: set[Value]
    """The nodes of the sample shown, and the data it reads."""


@dataclass(eq=False)
class Structure:
    """A graph read as a model: the nodes to show, the neurons, the layers and the batch."""

    root: Value
    order: list[Value]
    """The nodes shown, in topological order (other samples of a batch left out)."""
    neurons: list[Neuron]
    layers: list[Layer]
    batch: Batch | None
    owner: dict[Value, Neuron]
    """Each neuron's parameter and computed node, mapped to its neuron."""
    parameters: set[Value]
    names: dict[Value, str] = field(default_factory=dict)
    """Full names (``layers.0.neurons.3.w.0``) of the model's parameters."""

    def network_inputs(self) -> list[Value]:
        """The inputs of the first layers (the algorithm's x), or [] if there are no layers."""
        firsts = [x for layer in self.layers if layer.depth == 0 for x in layer.inputs]
        return list(dict.fromkeys(firsts))

    @property
    def inputs(self) -> set[Value]:
        """The leaves that are the network's inputs x (not parameters), labelled or not."""
        return {x for x in self.network_inputs() if not x.parents and x not in self.parameters}


def read(
    root: Value,
    model: Module | None = None,
    parameters: Iterable[Value] = (),
    sample: int | None = None,
) -> Structure:
    """Return ``root``'s graph read as neurons, layers and a batch (see the module's docstring).

    ``sample`` picks which sample's piece a batch shows; None means the first
    whose term of the loss is not zero. It must be in range when the graph has a batch.
    """
    names: dict[Value, str] = {}
    if model is not None:
        if not isinstance(model, Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        names = {p: name for name, p in model.named_parameters()}
    params = set(names) | set(parameters)
    full = engine.topological_order(root)
    batch = _batch(full, params or {n for n in full if not n.parents and n.label}, sample)
    order = [n for n in full if n not in batch.hidden] if batch else full
    consumers: dict[Value, list[Value]] = {n: [] for n in order}
    for node in order:
        for parent in dict.fromkeys(node.parents):
            if parent in consumers:  # not so for the other samples a batch gathers
                consumers[parent].append(node)
    neurons = (
        _neurons_of_model(order, names, consumers, model)
        if model is not None
        else _neurons_of_dots(order, consumers)
    )
    owner: dict[Value, Neuron] = {}
    for neuron in neurons:
        for node in chain(neuron.parameters, neuron.nodes):
            owner[node] = neuron
    layers = _layers(neurons, consumers)
    found = {p for n in neurons for p in n.parameters}
    return Structure(root, order, neurons, layers, batch, owner, params | found, names)


def _batch(order: list[Value], params: set[Value], sample: int | None) -> Batch | None:
    # A chain of + (Python's sum) is not drawn as a batch yet: its links would still show.
    repeats = repeated_pieces(order, [n for n in order if n in params], chains=False)
    if not repeats:
        if sample not in (None, 0):
            raise ValueError(f"sample={sample!r}: the graph has no batch of repeated samples")
        return None
    repeat = max(repeats, key=lambda r: len(r.pieces) * len(r.pieces[0]))
    count = len(repeat.pieces)
    # By default the first sample whose term is not zero: a sample the loss ignores (a
    # hinge margin already met) would show a backward pass of zeros.
    terms = repeat.fan_in.parents
    k = next((i for i, t in enumerate(terms) if t.data != 0), 0) if sample is None else sample
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < count:
        raise ValueError(f"sample must be an int from 0 to {count - 1} (the batch), got {sample!r}")
    # What other samples compute, and the data only they read, is hidden: everything the
    # root reaches only through another sample's piece.
    skipped = {root for i, root in enumerate(repeat.fan_in.parents) if i != k}
    reached = {order[-1]}
    for node in reversed(order):
        if node in reached:
            reached.update(p for p in node.parents if p not in skipped)
    hidden = set(order).difference(reached)
    piece = set(repeat.pieces[k]).union(repeat.constants[k]).difference(params)
    return Batch(repeat.fan_in, count, k, hidden, piece)


def _neurons_of_model(
    order: list[Value],
    names: dict[Value, str],
    consumers: dict[Value, list[Value]],
    model: Module,
) -> list[Neuron]:
    """Neurons from the model's names: a module holding parameters directly is a neuron."""
    position = {node: i for i, node in enumerate(order)}
    owners: dict[Value, str] = {}
    ranks: dict[Value, int] = {}
    for p, name in names.items():
        parts = name.split(".")
        if len(parts) > 1 and parts[-1].isdigit():  # "w.3": the field w, index 3
            parts.pop()
        owners[p] = ".".join(parts[:-1])
        ranks[p] = len(ranks)
    # A neuron module may run more than once (a batch too small to fold): each run is an
    # instance of its own, the nodes that read its parameters and the sums of those.
    instances: dict[int, tuple[str, list[Value]]] = {}
    instance_of: dict[Value, int] = {}
    fresh = itertools.count()
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
        params = sorted((p for p in owners if owners[p] == key), key=ranks.__getitem__)
        neuron = _neuron(key, nodes, params, consumers, _activation_of(model, key))
        if neuron is not None:
            neurons.append(neuron)
    return neurons


def _gathers(node: Value, nodes: list[Value], consumers: dict[Value, list[Value]]) -> bool:
    """Whether ``node`` sums a neuron's terms: a ``+`` or ``sum`` of its nodes, used only here.

    A constant may join in: Python's ``sum`` starts from 0.
    """
    if node.op not in _GATHERS:
        return False
    inside = [p for p in node.parents if p.parents or p in nodes]
    constants = [p for p in node.parents if not p.parents and not p.label]
    return (
        len(inside) + len(constants) == len(node.parents)
        and all(p in nodes and consumers[p] == [node] for p in inside)
        and bool(inside)
    )


def _activation_of(model: Module, key: str) -> str | None:
    """The ``activation`` attribute of the module at ``key``, if it has one."""
    module: object = model
    for part in key.split(".") if key else ():
        module = module[int(part)] if part.isdigit() else getattr(module, part, None)  # type: ignore[index]
        if module is None:
            return None
    activation = getattr(module, "activation", None)
    return activation if isinstance(activation, str) else None


def _neuron(
    key: str,
    nodes: list[Value],
    params: list[Value],
    consumers: dict[Value, list[Value]],
    activation: str | None,
) -> Neuron | None:
    """Build a neuron from its computed nodes and parameters, or None if they are not one."""
    pre = nodes[-1]
    nodes = list(nodes)
    after = consumers.get(pre, [])
    if (
        activation != "linear"
        and len(after) == 1
        and len(after[0].parents) == 1
        and after[0].op in ACTIVATIONS
        and (activation is None or activation == after[0].op)
    ):
        nodes.append(after[0])
    out = nodes[-1]
    inside = set(nodes)
    # Every node but the output is used inside the neuron only: else it is no single neuron.
    if any(not inside.issuperset(consumers[n]) for n in nodes if n is not out):
        return None
    weights = [p for p in params if not _is_bias(p, nodes)]
    biases = [p for p in params if _is_bias(p, nodes)]
    if len(biases) > 1 or not weights:
        return None
    match = _INDEXED.match(key)
    layer_key, index = (match["layer"] or "", int(match["j"])) if match else (key, 0)
    neuron = Neuron(key, layer_key, index, weights, biases[0] if biases else None, pre, out, nodes)
    neuron.inputs = [_input_of(w, nodes) for w in weights]
    return neuron


def _is_bias(p: Value, nodes: list[Value]) -> bool:
    """A bias is added, not multiplied: the last operand of ``dot+b``, or a ``+`` operand."""
    for node in nodes:
        if p in node.parents:
            if node.op == "dot+b":
                return node.parents[-1] is p
            return node.op in _GATHERS
    return False


def _input_of(w: Value, nodes: list[Value]) -> Value | None:
    for node in nodes:
        parents = node.parents
        if w not in parents:
            continue
        if node.op in ("dot", "dot+b"):
            n = len(parents) // 2
            return parents[parents.index(w) + n] if parents.index(w) < n else None
        if node.op == "*" and len(parents) == 2:
            return parents[1] if parents[0] is w else parents[0]
    return None


def _neurons_of_dots(order: list[Value], consumers: dict[Value, list[Value]]) -> list[Neuron]:
    """Without a model, each ``dot+b`` node whose weights and bias are leaves is a neuron."""
    neurons = []
    for i, node in enumerate(order):
        if node.op != "dot+b":
            continue
        parents = node.parents
        n = len(parents) // 2
        params = [*parents[:n], parents[-1]]
        if any(p.parents for p in params) or len(set(params)) != len(params):
            continue
        neuron = _neuron(f"dot{i}", [node], params, consumers, None)
        if neuron is not None:
            neurons.append(neuron)
    # Neurons that read the same inputs form a layer; number them in order of appearance.
    layer_keys: dict[tuple[int, ...], str] = {}
    counts: Counter[str] = Counter()
    for neuron in neurons:
        key = layer_keys.setdefault(tuple(map(id, neuron.inputs)), f"layer{len(layer_keys)}")
        neuron.layer_key, neuron.index = key, counts[key]
        counts[key] += 1
    return neurons


def _layers(neurons: Sequence[Neuron], consumers: dict[Value, list[Value]]) -> list[Layer]:
    """Group neurons into layers; [] unless every layer reads one input vector in one order.

    A layer is the neurons of one module that read the same inputs, so a module run on
    several samples (or two models side by side) gives a layer per run. Layers are
    numbered by depth, as the backpropagation algorithm numbers them, and placed in
    order of data flow.
    """
    grouped: dict[tuple[str, tuple[int, ...]], list[Neuron]] = {}
    for neuron in neurons:
        grouped.setdefault((neuron.layer_key, tuple(map(id, neuron.inputs))), []).append(neuron)
    layers = []
    for neurons_of_layer in grouped.values():
        neurons_of_layer.sort(key=attrgetter("index"))
        first = neurons_of_layer[0].inputs
        if any(x is None for x in first):
            return []
        layers.append(Layer(0, neurons_of_layer, first))  # type: ignore[arg-type]
    outputs = {n.out: layer for layer in layers for n in layer.neurons}
    depth: dict[int, int] = {}

    def level(layer: Layer) -> int:
        if id(layer) not in depth:
            before = {id(outputs[x]): outputs[x] for x in layer.inputs if x in outputs}
            depth[id(layer)] = 1 + max((level(b) for b in before.values()), default=-1)
        return depth[id(layer)]

    layers.sort(key=level)
    pres = {n.pre: layer for layer in layers for n in layer.neurons}
    for i, layer in enumerate(layers):
        layer.index, layer.depth = i, level(layer)
        for neuron in layer.neurons:
            neuron.layer = i
    for layer in layers:
        layer.above = _above(layer, pres, consumers)
    return layers


def _above(
    layer: Layer, pres: dict[Value, Layer], consumers: dict[Value, list[Value]]
) -> Layer | None:
    """The layer that alone reads this one's outputs, through its weights; else None.

    Only then is delta the backpropagation algorithm's recursion, equation (4),
    (W^(l+1))^T delta^(l+1) ⊙ f'(a^l): an output read elsewhere too (a skip, the loss)
    takes its gradient from there as well.
    """
    readers = {id(pres.get(c)): pres.get(c) for n in layer.neurons for c in consumers[n.out]}
    if len(readers) != 1:
        return None
    (above,) = readers.values()
    if above is None or above.inputs != [n.out for n in layer.neurons]:
        return None
    return above
