r"""Names as the seed writes them: ``W1[3,0]``, ``b1[3]``, ``x[0]``, ``a1[3]``, ``h1[3]``.

A linear neuron (the output layer of an MLP) is one node, its output ``h = a``; it
goes by ``h``.

Layers count from 1, the first hidden layer, as in the seed (``nn.backprop``'s
lists count from 0: its ``delta[0]`` is the seed's delta^1). ``W1[j,i]`` is the
weight of neuron j on input i. A picture shows these short names and keeps the
model's full name (``layers.0.neurons.3.w.0``) for a tooltip.

A label shows shortened past ``viz.text.LABEL_LENGTH`` characters, its full text
going to the tooltip, and a lone surrogate, which UTF-8 cannot hold, as ``\udc80``.
"""

import re

from engine import Value
from viz.structure import Structure
from viz.text import LABEL_LENGTH, encodable, shorten

_PLAIN_NAME = re.compile(r"^[\w\[\],.#']+$")
_MODULE_PATH = re.compile(r"^(?:\w+\.)+\d+$|^(?:\w+\.)+[wb]$")


def seed_names(structure: Structure) -> dict[Value, str]:
    """Return the seed's name for each parameter, neuron node and network input of ``structure``."""
    names: dict[Value, str] = {}
    for layer in structure.layers:
        l = layer.depth + 1  # noqa: E741 - the seed's l
        for neuron in layer.neurons:
            j = neuron.index
            for i, w in enumerate(neuron.weights):
                names[w] = f"W{l}[{j},{i}]"
            if neuron.bias is not None:
                names[neuron.bias] = f"b{l}[{j}]"
            # A linear neuron's one node is its output h (= a): what the layers above read.
            names[neuron.pre] = f"a{l}[{j}]"
            names[neuron.out] = f"h{l}[{j}]"
    for i, x in enumerate(structure.network_inputs()):
        if not x.parents and x not in structure.parameters:
            names[x] = f"x[{i}]"
    return names


def display_names(structure: Structure, *, name_all: bool = False) -> dict[Value, str]:
    """Return the name each shown node goes by: its seed name, else its label.

    With ``name_all`` an unlabelled root is ``L`` (the seed's loss) and the other
    unlabelled computed nodes are ``n1, n2, ...`` in topological order, so a text
    can speak of any node the picture shows. A name longer than ``LABEL_LENGTH``
    is shortened (``shorten``), and then names that occur twice are told apart:
    ``x``, ``x#2``, ``x#3``.
    """
    seed = seed_names(structure)
    names: dict[Value, str] = {}
    seen: dict[str, int] = {}
    unnamed = 0
    for node in structure.order:
        name = seed.get(node, "") if _replaceable(node, structure) else node.label
        if not name and name_all and node is structure.root:
            name = "L"  # the seed's name for the loss
        if not name and name_all and node.parents:  # constants show their number instead
            unnamed += 1
            name = f"n{unnamed}"
        if not name:
            continue
        name = encodable(shorten(name, LABEL_LENGTH))  # before the count: shortened may meet
        count = seen[name] = seen.get(name, 0) + 1
        names[node] = name if count == 1 else f"{name}#{count}"
    return names


def tooltips(structure: Structure, shown: dict[Value, str]) -> dict[Value, str]:
    """Return, per node, what its box does not show: a long label in full, other names."""
    seed = seed_names(structure)
    tips = {}
    for node in structure.order:
        full = node.label if len(node.label) > LABEL_LENGTH and node in shown else ""
        others = [full, seed.get(node, ""), structure.names.get(node, "")]
        others = [n for n in dict.fromkeys(others) if n and n != shown.get(node)]
        if others:
            tips[node] = ", ".join(others)
    return tips


def _replaceable(node: Value, structure: Structure) -> bool:
    """Whether the seed's name may stand for a node's label: the label is none, or nn's own.

    ``nn`` labels parameters with their module path (``layers.0.neurons.3.w.1``); a
    label the user chose (``x1``, ``n``) stays, the seed's name going to the tooltip.
    """
    label = node.label
    return not label or label == structure.names.get(node) or bool(_MODULE_PATH.match(label))


def written(name: str) -> str:
    """A name as it goes into ``dL/d<name>``: in parentheses when it holds an operator."""
    return name if _PLAIN_NAME.match(name) else f"({name})"


def root_name(structure: Structure, shown: dict[Value, str]) -> str:
    """The name the root goes by in ``dL/dx``: its shown name, else ``L`` (the loss)."""
    return written(shown.get(structure.root) or "L")
