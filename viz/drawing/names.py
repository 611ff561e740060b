r"""The name each node goes by, one name in the picture, the explorer and its text.

A node goes by its label; else by the name the backpropagation algorithm
(docs/algorithm.md) gives it: ``W1[3,0]``, ``b1[3]``, ``x[0]``, ``a1[3]``, ``h1[3]``
(equation (1), ``a = W h + b``, ``h = f(a)``). A linear neuron (the output layer of an
MLP) is one node, its output ``h = a``; it goes by ``h``. Layers count from 1, the
first hidden layer, as the algorithm counts them (``nn.backprop``'s lists count from
0: its ``delta[0]`` is the algorithm's delta^1). ``W1[j,i]`` is the weight of neuron j
on input i. A picture shows these short names and keeps the model's full name
(``layers.0.neurons.3.w.0``) for a tooltip.

A node with neither gets a name made up for it, the same wherever it shows (a
picture shows it muted, so that given names stand out):

- the root is ``L``, the algorithm's loss;
- a computed node is its operation written out when that is short and its operands
  have given names or are constants: ``x*w``, ``h2[0]-1``, ``tanh(n)``, ``x**2``;
- any other computed node is ``v<i>``, its place in the topological order: the
  number ``engine.compile``'s code and the picture's box ids give it (``v5``).

A label shows shortened past ``viz.drawing.text.LABEL_LENGTH`` characters, its full text
going to the tooltip, and a lone surrogate, which UTF-8 cannot hold, as ``\udc80``.
"""

import re
from dataclasses import dataclass

from engine import Value
from viz.drawing import numbers
from viz.drawing.structure import Structure
from viz.drawing.text import LABEL_LENGTH, encodable, shorten

SHORT = 12
"""The longest name written into another's: a node's expression, an operand's mark."""

_PLAIN_NAME = re.compile(r"^[\w\[\],.#']+$")
_MODULE_PATH = re.compile(r"^(?:\w+\.)+\d+$|^(?:\w+\.)+[wb]$")
_INFIX = frozenset({"+", "-", "*", "/", "**"})
_FUNCTION = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True)
class Names:
    """The name of each node that has one, and which of them were made up."""

    names: dict[Value, str]
    made_up: frozenset[Value]
    """Nodes with neither a label nor the algorithm's name: their names are shown muted."""
    expressions: frozenset[Value]
    """Of those, the nodes whose name writes out their operation (``x*w``)."""


def algorithm_names(structure: Structure) -> dict[Value, str]:
    """Return the backpropagation algorithm's name for each parameter, neuron node and input."""
    names: dict[Value, str] = {}
    for layer in structure.layers:
        l = layer.number  # noqa: E741 - the algorithm's l
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


def constants(structure: Structure) -> set[Value]:
    """The constants of ``structure``: unlabelled leaves that are no parameter and no input."""
    inputs = structure.inputs
    return {
        n
        for n in structure.order
        if not n.parents and not n.label and n is not structure.root
        and n not in structure.parameters and n not in inputs
    }  # fmt: skip


def display_names(structure: Structure, index: dict[Value, int]) -> Names:
    """Return the name each shown node goes by (see the module's docstring).

    ``index`` numbers the nodes in topological order. Given names longer than
    ``LABEL_LENGTH`` are shortened (``shorten``), and then names that occur twice are
    told apart: ``x``, ``x#2``, ``x#3``. A made-up name never repeats a given one: an
    expression that would is replaced by the node's number.
    """
    algorithm = algorithm_names(structure)
    given: dict[Value, str] = {}
    seen: dict[str, int] = {}
    for node in structure.order:
        name = algorithm.get(node, "") if _replaceable(node, structure) else node.label
        if not name:
            continue
        name = encodable(shorten(name, LABEL_LENGTH))  # before the count: shortened may meet
        count = seen[name] = seen.get(name, 0) + 1
        given[node] = name if count == 1 else f"{name}#{count}"
    used = set(given.values())
    operands = operand_names(structure, given)
    names: dict[Value, str] = {}
    made_up: set[Value] = set()
    expressions: set[Value] = set()
    for node in structure.order:
        if node in given:
            names[node] = given[node]
            continue
        written_out = ""
        if node is structure.root:
            candidates = ["L"]  # the algorithm's name for the loss
        elif node.parents:
            written_out = expression(node, operands)
            candidates = [written_out, f"v{index[node]}"]
        else:
            continue  # a constant shows its number, an unlabelled parameter its kind
        name = next((c for c in candidates if c and c not in used), "")
        name = name or _counted(candidates[-1], used)
        used.add(name)
        names[node] = name
        made_up.add(node)
        if name == written_out:
            expressions.add(node)
    return Names(names, frozenset(made_up), frozenset(expressions))


def expression(node: Value, operands: dict[Value, str]) -> str:
    """``node``'s operation written out (``x*w``, ``tanh(n)``), or "" when it is not short.

    Each operand must be written in ``operands`` as a plain name or a number (a negative
    one goes in parentheses), and the whole at most ``SHORT`` characters long.
    """
    words = [operands.get(p, "") for p in node.parents]
    if not all(words) or not all(_PLAIN_NAME.match(w) or _is_number(w) for w in words):
        return ""
    words = [f"({w})" if w.startswith("-") else w for w in words]
    op = node.op
    if op in _INFIX and len(words) == 2:
        text = f"{words[0]}{op}{words[1]}"
    elif len(words) != 1:
        return ""
    elif op == "neg":
        text = f"-{words[0]}"
    elif op.startswith("**"):  # a constant power, "**2"
        text = f"{words[0]}{op}"
    elif _FUNCTION.match(op):
        text = f"{op}({words[0]})"
    else:
        return ""
    return text if len(text) <= SHORT else ""


def operand_names(structure: Structure, names: dict[Value, str]) -> dict[Value, str]:
    """How each node reads as an operand: its name, or a constant's number (``1`` in ``h − 1``)."""
    return {c: _number(c) for c in constants(structure)} | names


def tooltips(structure: Structure, shown: dict[Value, str]) -> dict[Value, str]:
    """Return, per node, what its box does not show: a long label in full, other names."""
    algorithm = algorithm_names(structure)
    tips = {}
    for node in structure.order:
        full = node.label if len(node.label) > LABEL_LENGTH and node in shown else ""
        others = [full, algorithm.get(node, ""), structure.names.get(node, "")]
        others = [n for n in dict.fromkeys(others) if n and n != shown.get(node)]
        if others:
            tips[node] = ", ".join(others)
    return tips


def _replaceable(node: Value, structure: Structure) -> bool:
    """Whether the algorithm's name may stand for a node's label: the label is none, or nn's own.

    ``nn`` labels parameters with their module path (``layers.0.neurons.3.w.1``); a
    label the user chose (``x1``, ``n``) stays, the algorithm's name going to the tooltip.
    """
    label = node.label
    return not label or label == structure.names.get(node) or bool(_MODULE_PATH.match(label))


def _number(node: Value) -> str:
    return numbers.number(node.data)


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _counted(name: str, used: set[str]) -> str:
    """``name#2``, ``name#3``, ...: the first that is not in ``used``."""
    count = 2
    while f"{name}#{count}" in used:
        count += 1
    return f"{name}#{count}"


def written(name: str) -> str:
    """A name as it goes into ``dL/d<name>``: in parentheses when it holds an operator."""
    return name if _PLAIN_NAME.match(name) else f"({name})"


def root_name(structure: Structure, shown: dict[Value, str]) -> str:
    """The name the root goes by in ``dL/dx``: its shown name, else ``L`` (the loss)."""
    return written(shown.get(structure.root) or "L")
