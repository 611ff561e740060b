"""The three levels of detail a picture can draw: every Value, a box per neuron, a box per layer.

- ``values``: a record per Value (name, data, grad) and a small node per operation;
- ``neurons``: a neuron is one box, ``h = f(w·x + b)`` with its output's data and
  grad, its weights and bias folded in; a cluster per layer;
- ``layers``: a layer is one box holding its vectors a, h and delta.

At the two coarser levels a Value that belongs to no neuron (the loss after the
model) is one box with its operation written in it. Every level draws a batch as
one sample's piece in a cluster, its edge into the gathering node marked with the
number of samples.
"""

from collections import deque

from engine import Value
from engine.network import Neuron
from viz.drawing import numbers
from viz.drawing.names import root_name
from viz.drawing.picture import (
    Box,
    Options,
    Picture,
    grad_cell,
    name_cell,
    operands,
    table,
    tooltip,
)
from viz.drawing.structure import Structure
from viz.drawing.text import html_label_text, tooltip_text

LEVELS = ("values", "neurons", "layers")
SAMPLE = "sample"
_OPERAND_PORTS = {"LR": ("nw", "sw"), "RL": ("ne", "se"), "TB": ("nw", "ne"), "BT": ("sw", "se")}
PARAMS = "params"


def kind(node: Value, structure: Structure, options: Options) -> str:
    """What a Value is, for its colour: output, parameter, input, constant or intermediate."""
    if node is structure.root:
        return "output"
    if node in structure.parameters:
        return "parameter"
    if node.parents:
        return "intermediate"
    return "input" if node.label or node in structure.inputs else "constant"


def hidden_constants(structure: Structure, options: Options) -> dict[Value, str]:
    """The constants written into their operation's label (``constants="hidden"``)."""
    if options.constants != "hidden":
        return {}
    return {
        n: numbers.number(n.data)
        for n in structure.order
        if n is not structure.root and kind(n, structure, options) == "constant"
    }


def values(structure: Structure, options: Options, index: dict[Value, int], limit: int) -> Picture:
    """Every Value as a record and every operation as a small node, ``limit`` Values at most."""
    picture = Picture("values")
    shown = _nearest(structure, limit)
    allowed = set(structure.order)
    inline = hidden_constants(structure, options)
    _sample_cluster(picture, structure)
    for node in structure.order:
        if node not in shown or node in inline:
            continue
        name = f"v{index[node]}"
        node_kind = kind(node, structure, options)
        cluster = _cluster_of(node, structure)
        if node_kind == "constant" and options.constants == "small":
            picture.add(_constant_box(name, node, options, cluster))
        else:
            cells = [c for c in (name_cell(node, options),) if c]
            cells.append(f"data {html_label_text(options.number(node.data))}")
            if options.show_grad:
                cells.append(grad_cell(name, node, options))
            label = table([cells], options.colours.fills[node_kind], options.colours.line)
            attrs = {"shape": "plain", "id": name, "class": f"value {node_kind}"}
            picture.add(Box(name, label, attrs | tooltip(node, options), cluster), node_kind)
        if node.parents:
            _operation(
                picture, node, name, structure, options, inline, cluster, index, shown, allowed
            )
    # Each neuron's weights in order, then its bias, as W[j, :] and b[j] read.
    for neuron in structure.neurons:
        ids = [f"v{index[p]}" for p in neuron.parameters if p in shown]
        if len(ids) == len(neuron.parameters):
            picture.chains.append((_cluster_of(neuron.parameters[0], structure), ids))
    hidden = len(structure.order) - len(shown)
    if hidden:
        label = f"{hidden} more values not shown (max_nodes={limit})"
        attrs = {"shape": "note", "style": "filled", "fillcolor": options.colours.fills["constant"]}
        picture.add(Box("hidden", html_label_text(label), attrs))
    return picture


def neurons(structure: Structure, options: Options, index: dict[Value, int]) -> Picture:
    """A box per neuron, its parameters folded in, a cluster per layer; other Values as boxes."""
    return _model_level("neurons", structure, options, index)


def layers(structure: Structure, options: Options, index: dict[Value, int]) -> Picture:
    """A box per layer with its vectors a, h and delta; other Values as boxes."""
    return _model_level("layers", structure, options, index)


def _model_level(
    level: str, structure: Structure, options: Options, index: dict[Value, int]
) -> Picture:
    picture = Picture(level)
    by_layer = level == "layers"
    sources = _sources(structure, index, by_layer=by_layer)
    inline = hidden_constants(structure, options)
    _sample_cluster(picture, structure)
    inputs = set(structure.network_inputs())
    vector = by_layer and inputs == structure.inputs  # x as one box: all leaves, no parameter
    if vector:
        _input_vector(picture, structure, options)
    for layer in structure.layers if not by_layer else ():
        label = f"layer {layer.number}: {len(layer.neurons)} × {layer.neurons[0].activation}"
        key = f"layer{layer.index}"
        picture.clusters[key] = (label, _cluster_of(layer.neurons[0].out, structure))
        picture.chains.append((key, [sources[n.out] for n in layer.neurons]))
    for node in structure.order:
        neuron = structure.owner.get(node)
        if neuron is None:
            if not (vector and node in inputs):
                _other_value(picture, node, structure, options, index, sources, inline)
        elif node is neuron.out and not by_layer:
            _neuron_box(picture, neuron, structure, options, sources)
        elif node is neuron.out and neuron is structure.layers[neuron.layer].neurons[0]:
            _layer_box(picture, neuron.layer, structure, options, sources)
    _params_box(picture, structure, options)
    return picture


def _nearest(structure: Structure, limit: int) -> set[Value]:
    """The ``limit`` Values closest to the root, found breadth first."""
    allowed = set(structure.order)
    shown = {structure.root}
    queue = deque([structure.root])
    while queue and len(shown) < limit:
        for parent in queue.popleft().parents:
            if parent not in shown and parent in allowed:
                shown.add(parent)
                queue.append(parent)
                if len(shown) == limit:
                    break
    return shown


def _sample_cluster(picture: Picture, structure: Structure) -> None:
    batch = structure.batch
    if batch is not None:
        label = (
            f"sample X[{batch.sample}] of {batch.count}: the same piece for each sample, "
            f"× {batch.count} samples"
        )
        picture.clusters[SAMPLE] = (label, "")


def _cluster_of(node: Value, structure: Structure) -> str:
    batch = structure.batch
    return SAMPLE if batch is not None and node in batch.piece else ""


def _constant_box(name: str, node: Value, options: Options, cluster: str) -> Box:
    size = f"{options.font_size * 0.8:g}"
    attrs = {"shape": "plaintext", "id": name, "class": "value constant", "fontsize": size}
    attrs |= {"height": "0.2", "width": "0.2", "margin": "0"}
    return Box(name, html_label_text(numbers.number(node.data)), attrs, cluster)


def _operation(
    picture: Picture,
    node: Value,
    name: str,
    structure: Structure,
    options: Options,
    inline: dict[Value, str],
    cluster: str,
    index: dict[Value, int],
    shown: set[Value],
    allowed: set[Value],
) -> None:
    op_name = f"{name}_op"
    text, marks = operands(node, options, inline)
    attrs = {
        "shape": "ellipse", "style": "filled", "id": op_name, "class": "op",
        "fillcolor": options.colours.op_fill, "color": options.colours.line,
        "margin": "0.05,0.02", "height": "0.3", "width": "0.3",
    }  # fmt: skip
    picture.add(Box(op_name, html_label_text(text), attrs, cluster))
    folded: list[tuple[Value, str]] = []  # operands in the fold
    for parent, mark in zip(node.parents, marks, strict=True):
        if parent in inline:
            continue
        if parent not in allowed:
            continue  # another sample's piece
        if parent not in shown:
            folded.append((parent, mark))
            continue
        tail = f"v{index[parent]}"
        picture.edge(tail, op_name, **_edge_marks(node, parent, mark, structure, options))
    if folded:
        # One edge from the fold for all the operands it holds: an edge per operand (8,000
        # terms of a sum) makes the rank wider than Graphviz can lay out.
        (parent, mark), *more = folded
        edge = {} if more else _edge_marks(node, parent, mark, structure, options)
        picture.edge("hidden", op_name, **edge)
    picture.edge(op_name, name)


def _edge_marks(
    node: Value, parent: Value, mark: str, structure: Structure, options: Options
) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if mark:
        # A label, not a headlabel: dot makes room for it, where a headlabel may cover a box.
        attrs |= {"label": mark, "fontsize": f"{options.font_size * 0.85:g}"}
    batch = structure.batch
    if batch is not None and node is batch.fan_in and parent in batch.piece:
        # A label, not an xlabel: dot makes room for a label, where an xlabel may cover a box.
        attrs |= {"label": f"× {batch.count} samples", "penwidth": "2.5"}
    return attrs


def _sources(structure: Structure, index: dict[Value, int], *, by_layer: bool) -> dict[Value, str]:
    """The box each Value's edges leave from, at the neuron or the layer level."""
    sources: dict[Value, str] = {}
    for node in structure.order:
        neuron = structure.owner.get(node)
        if neuron is None:
            sources[node] = f"v{index[node]}"
        elif node is neuron.out:
            sources[node] = f"layer{neuron.layer}" if by_layer else f"v{index[node]}"
        elif node in neuron.parameters:
            sources[node] = PARAMS
    if by_layer and structure.layers:
        inputs = structure.network_inputs()
        if all(not x.parents and x not in structure.parameters for x in inputs):
            sources.update(dict.fromkeys(inputs, "x"))
    return sources


def _neuron_box(
    picture: Picture,
    neuron: Neuron,
    structure: Structure,
    options: Options,
    sources: dict[Value, str],
) -> None:
    name = sources[neuron.out]
    title = options.names.get(neuron.out, "")
    formula = "w·x + b" if neuron.bias is not None else "w·x"
    if neuron.activation != "linear":
        formula = f"{neuron.activation}({formula})"
    head = f"<B>{html_label_text(title)}</B>&#160;= " if title else ""  # dot trims a plain space
    cells = [f"data {html_label_text(options.number(neuron.out.data))}"]
    if options.show_grad:
        prefix = f"d{root_name(structure, options.names)}/dh "  # the neuron's output h
        cells.append(grad_cell(name, neuron.out, options, prefix=prefix))
    # A layer's neurons stack along a rank: in LR one row keeps its column short, in TB
    # two rows keep its row narrow.
    title_cell = head + html_label_text(formula)
    rows = [[title_cell, *cells]] if options.rankdir in ("LR", "RL") else [[title_cell], cells]
    fill = options.colours.fills["neuron"]
    label = table(rows, fill, options.colours.line)
    tip = tooltip_text(f"{neuron.key}: {formula}, {len(neuron.weights)} weights")
    attrs = {"shape": "plain", "id": name, "class": "neuron", "tooltip": tip}
    cluster = f"layer{neuron.layer}" if neuron.layer >= 0 else _cluster_of(neuron.out, structure)
    picture.add(Box(name, label, attrs, cluster), "neuron")
    for x in dict.fromkeys(i for i in neuron.inputs if i is not None):
        if x in sources:
            picture.edge(sources[x], name, **_thin(options))


def _layer_box(
    picture: Picture, index: int, structure: Structure, options: Options, sources: dict[Value, str]
) -> None:
    layer = structure.layers[index]
    name = f"layer{index}"
    n = layer.number
    activation = layer.neurons[0].activation
    delta = f"δ{n} = d{root_name(structure, options.names)}/da{n}"
    heads = ["j", f"a{n}", f"h{n}"] + ([delta] if options.show_grad else [])
    rows = [[f"<B>{html_label_text(f'layer {n}: {len(layer.neurons)} × {activation}')}</B>"]]
    rows.append([f"<I>{html_label_text(h)}</I>" for h in heads])
    for neuron in layer.neurons:
        row = [str(neuron.index)]
        row += [html_label_text(options.number(v.data)) for v in (neuron.pre, neuron.out)]
        if options.show_grad:
            row.append(grad_cell(f"{name}_d{neuron.index}", neuron.pre, options, prefix=""))
        rows.append(row)
    label = table(rows, options.colours.fills["layer"], options.colours.line)
    tip = f"layer {n}: a{n} = W{n} h{n - 1} + b{n}, h{n} = {activation}(a{n}), δ{n} = dL/da{n}"
    attrs = {"shape": "plain", "id": name, "class": "layer", "tooltip": tooltip_text(tip)}
    picture.add(Box(name, label, attrs, _cluster_of(layer.neurons[0].out, structure)), "layer")
    for tail in dict.fromkeys(sources[x] for x in layer.inputs if x in sources):
        picture.edge(tail, name, penwidth="2")


def _input_vector(picture: Picture, structure: Structure, options: Options) -> None:
    inputs = structure.network_inputs()
    rows = [["<B>x</B>"]] + [
        [html_label_text(options.names.get(x, f"x[{i}]")), html_label_text(options.number(x.data))]
        for i, x in enumerate(inputs)
    ]
    label = table(rows, options.colours.fills["input"], options.colours.line)
    attrs = {"shape": "plain", "id": "x", "class": "value input"}
    picture.add(Box("x", label, attrs, _cluster_of(inputs[0], structure)), "input")


def _other_value(
    picture: Picture,
    node: Value,
    structure: Structure,
    options: Options,
    index: dict[Value, int],
    sources: dict[Value, str],
    inline: dict[Value, str],
) -> None:
    """A Value outside every neuron: one box, its operation written in its first cell."""
    if node in inline:
        return
    name = f"v{index[node]}"
    node_kind = kind(node, structure, options)
    cluster = _cluster_of(node, structure)
    if node_kind == "constant" and options.constants == "small":
        picture.add(_constant_box(name, node, options, cluster))
        return
    text, marks = operands(node, options, inline) if node.parents else ("", [])
    if node in options.expressions:
        text = ""  # its name writes the operation out
    head = [f"<I>{html_label_text(text)}</I>"] if text else []
    head += [c for c in (name_cell(node, options),) if c]
    numbers_ = [f"data {html_label_text(options.number(node.data))}"]
    if options.show_grad:
        numbers_.append(grad_cell(name, node, options))
    # Across the ranks (LR), two short rows keep the loss after the model from running wide.
    across = options.rankdir in ("LR", "RL") and head
    rows = [head, numbers_] if across else [head + numbers_]
    label = table(rows, options.colours.fills[node_kind], options.colours.line)
    attrs = {"shape": "plain", "id": name, "class": f"value {node_kind}"}
    picture.add(Box(name, label, attrs | tooltip(node, options), cluster), node_kind)
    seen: set[str] = set()
    for i, (parent, mark) in enumerate(zip(node.parents, marks, strict=True)):
        tail = sources.get(parent)
        if tail is None or (tail in seen and not mark):
            continue  # a hidden constant, or a second edge from the same box
        seen.add(tail)
        attrs = _edge_marks(node, parent, mark, structure, options)
        if mark:  # the two operands enter apart, so their marks do not meet
            attrs["headport"] = _OPERAND_PORTS[options.rankdir][i]
        picture.edge(tail, name, **attrs)


def _params_box(picture: Picture, structure: Structure, options: Options) -> None:
    """The model's parameters as one box, for the edges that leave them outside their neurons."""
    if not any(tail == PARAMS for tail, _, _ in picture.edges):
        return
    count = sum(len(n.parameters) for n in structure.neurons)
    label = table(
        [[f"<B>θ</B>: {count} parameters"]],
        options.colours.fills["parameter"],
        options.colours.line,
    )
    attrs = {"shape": "plain", "id": PARAMS, "class": "value parameter"}
    picture.add(Box(PARAMS, label, attrs), "parameter")


def _thin(options: Options) -> dict[str, str]:
    return {"penwidth": "0.6", "arrowsize": "0.4", "color": options.colours.line + "99"}
