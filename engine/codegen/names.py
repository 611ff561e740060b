"""The compiled code's variable names: the names the pictures give, numbers where there are none.

A node goes by one name in the text, the pictures and the code. In a layer the
compiler found, that is the name the backpropagation algorithm gives it, as ``viz``
writes it, made Python: ``W1_3_0`` for W1[3,0], ``b1_3``, ``a1_3`` (the
pre-activation), ``h1_3`` (the activation), ``x_0`` for the network's input x[0]. A
label the user chose stays, made a Python name; a label ``nn`` gives a parameter
(``layers.0.neurons.3.w.1``) gives way to the layer's name, or outside a layer to a
short form of it (``w_0_3_1``). The root is ``L``, the loss, and the sum that gathers a
batch's samples ``total``. A node with no name is ``v<i>``, its place in the
topological order. Gradients read as the math does: ``d<name>`` is d(output)/d(name),
``delta1_3`` is d(output)/d(a1_3) (equation (2), the error signal), ``g<i>`` is v<i>'s.
"""

import builtins
import keyword
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from engine.network import Layer, find_network, weight_slots

Node = Any  # a Value; this module reads only .label and .parents

LONGEST = 32
"""The longest name a label becomes; a longer one is cut (labels are for people)."""

# The names the compiler numbers: v<i> (values), g<i> (gradients), d<i> (local derivatives).
_NUMBERED = re.compile(r"[vgd][0-9]+")
# The labels nn gives parameters, its module paths, as viz.drawing.names reads them.
_MODULE_PATH = re.compile(r"(?:\w+\.)+[0-9]+|(?:\w+\.)+[wb]")
_NOT_A_NAME = re.compile(r"[^0-9A-Za-z_]+")
# A weight's label in an nn list of neurons: the layer's path, the neuron's place, its field.
_NEURON_WEIGHT = re.compile(r"(?P<layer>.*)\.(?P<j>[0-9]+)\.w\.[0-9]+")


class Names:
    """The names one generated function uses, each given out once."""

    __slots__ = ("_count", "_reserved", "_taken")

    def __init__(self, reserved: Iterable[str]) -> None:
        # Python's keywords and builtins: a variable named float or sum would hide the one
        # the code calls. Then the names the code itself binds (tanh, values, add_up, ...).
        self._reserved = frozenset(
            (*keyword.kwlist, *keyword.softkwlist, *dir(builtins), *reserved)
        )
        self._taken: set[str] = set()
        self._count: dict[str, int] = {}  # the last suffix tried for a name: no rescan

    def fresh(self, name: str) -> str:
        """Return ``name`` if it is free, else ``name_2``, ``name_3``, ...; it is then taken.

        A reserved word, or a name of the numbered kind (``v12``), gets a ``_`` first:
        ``sum_``, as PEP 8 writes ``class_``.
        """
        if name in self._reserved or _NUMBERED.fullmatch(name):
            name += "_"
        chosen = name
        if chosen in self._taken:
            k = self._count.get(name, 1)
            while chosen in self._taken:
                k += 1
                chosen = f"{name}_{k}"
            self._count[name] = k
        self._taken.add(chosen)
        return chosen


def identifier(label: str) -> str:
    """Return ``label`` as a Python name (``x0``; ``my_loss`` for "my loss"), or "" if none.

    Only ASCII letters, digits and ``_`` are kept: Python folds other letters into
    these (NFKC: ``x₀`` is ``x0``), so two labels that look different could name one
    variable. A label that does not start with a letter then gives "".
    """
    if not label.isascii():
        label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    name = _NOT_A_NAME.sub("_", label).strip("_")
    if not name or not name[0].isalpha():
        return ""
    return name[:LONGEST].rstrip("_")


def from_nn(label: str) -> bool:
    """Whether ``label`` is one nn gives a parameter: its module path (``layers.0.neurons.3.b``)."""
    return _MODULE_PATH.fullmatch(label) is not None


def short_path(label: str) -> str:
    """Return a module path's short name: its last word, then its numbers (``w_0_3_1``)."""
    parts = label.split(".")
    words = [part for part in parts if not part.isdigit()]
    if not words:
        return ""  # a number such as 0.0: no path
    return identifier("_".join([words[-1], *(part for part in parts if part.isdigit())]))


def parameters(layers: Iterable[Layer]) -> set[Node]:
    """Return the weights and biases of ``layers``."""
    return {p for layer in layers for n in layer.neurons for p in n.parameters}


def layers_outside(
    nodes: Sequence[Node], inputs: Collection[Node], found: list[Layer]
) -> list[Layer]:
    """Return the layers of ``nodes``, no loop's, whose weights are inputs and not ``found``'s.

    Their inputs may be inputs of the compiled graph too (every leaf is, in the
    explorer's code): a neuron's weights are the first half of its ``dot+b``, what they
    multiply the second.
    """
    weights = weight_slots(nodes).intersection(inputs) - parameters(found)
    if not weights:
        return []  # a batch's: all in its loop
    return find_network(nodes, weights, shared=False).layers


def layer_names(layers: Iterable[Layer]) -> dict[Node, str]:
    """Return the name each node of ``layers`` has in the pictures: ``W1_3_0``, ``a1_3``, ``x_0``.

    A neuron with no activation is one node, its output: it goes by ``h1_3``, as the
    layers above read it. The network's inputs are what the first layers read.
    """
    layers = list(layers)
    weights_and_biases = parameters(layers)
    names: dict[Node, str] = {}
    firsts: list[Node] = []
    for layer in layers:
        l = layer.number  # noqa: E741 - the algorithm's l
        if l == 1:
            firsts += layer.inputs
        for neuron, j in zip(layer.neurons, neuron_places(layer), strict=True):
            for i, w in enumerate(neuron.weights):
                names[w] = f"W{l}_{j}_{i}"
            if neuron.bias is not None:
                names[neuron.bias] = f"b{l}_{j}"
            # A linear neuron's one node is its output h (= a), as the pictures name it.
            names[neuron.pre] = f"h{l}_{j}" if neuron.out is neuron.pre else f"a{l}_{j}"
            names[neuron.out] = f"h{l}_{j}"
    for i, x in enumerate(dict.fromkeys(firsts)):
        # The count runs over every input, as viz counts them; only data is named x.
        if not x.parents and x not in weights_and_biases:
            names.setdefault(x, f"x_{i}")
    return names


def neuron_places(layer: Layer) -> list[int]:
    """Return each neuron's j: its place in its nn layer, as its weights' labels say, else its own.

    A loss may read a layer's outputs in any order (``out[1] - out[0]``); the graph
    then meets neuron 1 first, but the model, and the pictures, call it neuron 1.
    """
    found = [_NEURON_WEIGHT.fullmatch(neuron.weights[0].label) for neuron in layer.neurons]
    places = [int(match["j"]) for match in found if match]
    if len(places) == len(found) == len(set(places)) and len({m["layer"] for m in found if m}) == 1:
        return places
    return list(range(len(layer.neurons)))


def error_signals(layers: Iterable[Layer]) -> dict[Node, str]:
    """Return the gradient's name of each neuron's node named for its layer: ``delta1_3``."""
    return {
        neuron.pre: f"delta{layer.number}_{j}"
        for layer in layers
        for neuron, j in zip(layer.neurons, neuron_places(layer), strict=True)
        if not own_label(neuron.pre)
    }


def own_label(node: Node) -> str:
    """Return the name of the label the user gave ``node``; "" if none, or nn's, or no name."""
    label = node.label
    return identifier(label) if label and not from_nn(label) else ""


def choose(
    nodes: Sequence[Node],
    pictures: dict[Node, str],
    fallbacks: dict[Node, str],
    names: Names,
) -> dict[Node, str]:
    """Return the variable name of each node of ``nodes`` (in topological order) that has one.

    In order: the user's label, the layer's name (``pictures``), a short form of nn's
    label, then the name ``fallbacks`` gives (``L`` for the loss). The rest are numbered.
    """
    chosen: dict[Node, str] = {}
    for node in nodes:
        label = node.label
        name = own_label(node) or pictures.get(node, "")
        if not name and label and from_nn(label):
            name = short_path(label)
        name = name or fallbacks.get(node, "")
        if name:
            chosen[node] = names.fresh(name)
    return chosen


def gradients(
    nodes: Sequence[Node], values: dict[Node, str], deltas: dict[Node, str], names: Names
) -> dict[Node, str]:
    """Return the gradient's name of each named node of ``nodes``: ``d<name>``, or its delta."""
    chosen = {}
    for node in nodes:
        value = values.get(node)
        if value is not None:
            chosen[node] = names.fresh(deltas.get(node) or f"d{value}")
    return chosen
