"""What a graph is made of, above single Values: neurons, layers, and the piece a batch repeats.

A picture at the scale of a model needs to know which nodes make up each neuron
(its weights, bias, pre-activation ``a = w·x + b`` and activation ``h = f(a)``),
which neurons form a layer (they read the same inputs), and whether the loss
gathers the same per-sample piece over a batch. ``engine.network`` reads these off
the graph, as ``engine.compile`` does for its loops and matrices: with a model, its
named parameters say which neuron owns each weight; without one, each fused ``dot+b``
(or ``dot``) node whose weights are leaves is a neuron. This module picks what a
picture shows of them: one sample of a batch, and each node's neuron.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain

import engine
from engine import Value
from engine.network import Layer, Neuron, find_network, repeated_pieces, weight_slots
from nn import Module

__all__ = ["Batch", "Layer", "Neuron", "Structure", "read"]


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
        firsts = [x for layer in self.layers if layer.number == 1 for x in layer.inputs]
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
    if model is not None:
        owners = _owners(names)
        # A module that says it is linear has no activation, whatever the loss applies next.
        linear = {key for key in set(owners.values()) if _activation_of(model, key) == "linear"}
        network = find_network(order, owners=owners, linear=linear)
    else:
        network = find_network(order, {p for p in weight_slots(order) if not p.parents})
    owner: dict[Value, Neuron] = {}
    for neuron in network.neurons:
        for node in chain(neuron.parameters, neuron.nodes):
            owner[node] = neuron
    found = {p for n in network.neurons for p in n.parameters}
    return Structure(
        root, order, network.neurons, network.layers, batch, owner, params | found, names
    )


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


def _owners(names: dict[Value, str]) -> dict[Value, str]:
    """Each parameter's owner, the module holding it: ``layers.0.neurons.3`` for ``...3.w.1``."""
    owners = {}
    for p, name in names.items():
        parts = name.split(".")
        if len(parts) > 1 and parts[-1].isdigit():  # "w.3": the field w, index 3
            parts.pop()
        owners[p] = ".".join(parts[:-1])
    return owners


def _activation_of(model: Module, key: str) -> str | None:
    """The ``activation`` attribute of the module at ``key``, if it has one."""
    module: object = model
    for part in key.split(".") if key else ():
        module = module[int(part)] if part.isdigit() else getattr(module, part, None)  # type: ignore[index]
        if module is None:
            return None
    activation = getattr(module, "activation", None)
    return activation if isinstance(activation, str) else None
