"""draw_dot at each level of detail: the picture's boxes and edges are the graph's, read as a model.

The DOT text is parsed back (boxes, the clusters they sit in, edges) and compared
with what the engine computed; the layer level is checked against the seed's
layer-wise algorithm, ``nn.backprop``, which never touches the graph.
"""

import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
import nn
import viz
from engine import Value
from nn.backprop import backprop
from tests.viz.test_structure import ACTIVATIONS, Net, Spec, build, forward, moons_loss, specs
from viz.drawing.graph import READABLE

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Dot:
    """A DOT text read back: each box's attributes and clusters, and the visible edges."""

    boxes: dict[str, str] = field(default_factory=dict)
    """Box id -> its attribute text, HTML entities decoded (``W1[2,1]``, not ``&#93;``)."""
    statements: list[str] = field(default_factory=list)
    """Box ids in the order they are written, once per statement (a box written twice shows)."""
    clusters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Box id -> the clusters it sits in, outermost first."""
    edges: list[tuple[str, str]] = field(default_factory=list)
    attrs: list[str] = field(default_factory=list)
    """The attributes of each edge of ``edges``, in the same order."""

    def cls(self, box: str) -> str:
        match = re.search(r'class=("[^"]*"|\S+)', self.boxes[box])
        return match[1].strip('"') if match else ""

    def of_class(self, cls: str) -> list[str]:
        return [box for box in self.boxes if self.cls(box) == cls]


DEFAULTS = ("graph", "node", "edge")
"""Statements that set default attributes, not boxes."""


def parse(source: str) -> Dot:
    dot = Dot()
    stack: list[str] = []
    for line in source.splitlines():
        s = line.strip()
        if s.startswith("digraph"):
            continue
        if s.startswith("subgraph "):
            stack.append(s.split()[1])
        elif s == "{":
            stack.append("")  # an anonymous subgraph: a rank, no cluster
        elif s == "}":
            if stack:
                stack.pop()
        elif edge := re.fullmatch(r"(\w+) -> (\w+)(?: \[(.*)\])?", s):
            if "style=invis" not in (edge[3] or ""):
                dot.edges.append((edge[1], edge[2]))
                dot.attrs.append(edge[3] or "")
        elif (box := re.fullmatch(r"(\w+) \[(.*)\]", s)) and box[1] not in DEFAULTS:
            dot.statements.append(box[1])
            dot.boxes[box[1]] = html.unescape(box[2])
            dot.clusters[box[1]] = tuple(c for c in stack if c)
    return dot


def svg_boxes(svg: str) -> list[str]:
    """The titles (DOT names) of the SVG's node groups, the legend left out."""
    tree = ET.fromstring(svg)
    names = [
        g.findtext(f"{SVG}title", "")
        for g in tree.iter(f"{SVG}g")
        if g.get("class", "").split()[:1] == ["node"]
    ]
    return [name for name in names if name != "legend"]


def svg_text(svg: str) -> str:
    """Every text the SVG shows, entities decoded, one per line."""
    tree = ET.fromstring(svg)
    return "\n".join("".join(t.itertext()) for t in tree.iter(f"{SVG}text"))


def svg_size_pt(svg: str) -> tuple[float, float]:
    tree = ET.fromstring(svg)
    return float(tree.get("width", "").removesuffix("pt")), float(
        tree.get("height", "").removesuffix("pt")
    )


def number(x: float) -> str:
    """A number as the picture prints it by default; minus zero as zero.

    The engine and the seed's algorithm may reach a zero gradient by different
    roads (0.0 + -0.0 against 0.0 * -1.0), and its sign is no part of the check.
    """
    text = format(x, ".4f")
    return "0.0000" if text == "-0.0000" else text


def ids(root: Value) -> dict[Value, str]:
    """Each Value's box id: ``v<i>``, i its place in the topological order."""
    return {node: f"v{i}" for i, node in enumerate(engine.topological_order(root))}


@dataclass
class Neurons:
    """Each neuron of a Net, found without viz: its output, pre-activation and parameters."""

    out: list[list[Value]]
    pre: list[list[Value]]
    owned: set[Value]
    """Every parameter and node some neuron computes."""


def neurons_of(net: Net) -> Neurons:
    pre = [
        [o if module.activation == "linear" else o.parents[0] for o in outs]
        for outs, module in zip(net.outs, net.model.layers, strict=True)
    ]
    owned = {*net.model.parameters(), *(v for layer in net.outs for v in layer)}
    owned.update(v for layer in pre for v in layer)
    return Neurons(net.outs, pre, owned)


# Level "values": every Value once, every edge follows the data.


@given(specs(), st.sampled_from(["small", "hidden", "boxes"]))
def test_values_level_draws_every_value_once_and_every_edge_follows_the_data(
    spec: Spec, constants: str
) -> None:
    net = build(spec)
    dot = parse(
        viz.draw_dot(net.root, model=net.model, detail="values", constants=constants).source
    )
    order = engine.topological_order(net.root)
    box = ids(net.root)
    targets = {term.parents[0].parents[1] for term in net.root.parents}  # (o - t) ** 2
    hidden = targets if constants == "hidden" else set()
    values = [box[n] for n in order if n not in hidden]
    assert [s for s in dot.statements if not s.endswith("_op") and s != "legend"] == values
    expected = []
    for node in order:
        if node.parents:
            expected += [(box[p], f"{box[node]}_op") for p in node.parents if p not in hidden]
            expected.append((f"{box[node]}_op", box[node]))
    assert dot.edges == expected
    for t in targets:
        if constants == "small":
            assert dot.cls(box[t]) == "value constant" and "shape=plaintext" in dot.boxes[box[t]]
        elif constants == "boxes":
            assert dot.cls(box[t]) == "value constant"
            assert re.search(r"shape=plain(\s|$)", dot.boxes[box[t]])
        else:  # written into its operation: "h2[0] − 0.25", "h2[0] − (-0.25)"
            (user,) = (n for n in order if t in n.parents)
            label = re.search(r"label=<\S+ − (\S+)>", dot.boxes[f"{box[user]}_op"])
            assert label is not None
            assert abs(float(label[1].strip("()")) - t.data) <= 5e-5


# Level "neurons": a box per neuron, in its layer's cluster, an edge per weight.


@given(specs())
def test_neurons_level_has_one_box_per_neuron_and_an_edge_for_every_weight(spec: Spec) -> None:
    net = build(spec)
    dot = parse(viz.draw_dot(net.root, model=net.model, detail="neurons").source)
    box = ids(net.root)
    found = neurons_of(net)
    neuron_boxes = [box[o] for layer in found.out for o in layer]
    assert sorted(dot.of_class("neuron")) == sorted(neuron_boxes)
    assert len(neuron_boxes) == sum(spec.nouts)
    for l, layer in enumerate(found.out):
        for o in layer:
            assert dot.clusters[box[o]][-1:] == (f"cluster_layer{l}",)
    # Every weight is an edge: x[i] to each first-layer neuron, neuron j of layer l to
    # neuron k of layer l + 1; nothing else reaches a neuron.
    assert all(dot.cls(box[x]) == "value input" for x in net.xs)
    expected = [(box[x], box[o]) for x in net.xs for o in found.out[0]]
    for before, after in pairwise(found.out):
        expected += [(box[j], box[k]) for j in before for k in after]
    into_neurons = [e for e in dot.edges if e[1] in neuron_boxes]
    assert sorted(into_neurons) == sorted(expected)


@given(specs())
def test_neurons_level_prints_the_engines_data_and_grad_of_each_neurons_output(
    spec: Spec,
) -> None:
    net = build(spec)
    dot = parse(viz.draw_dot(net.root, model=net.model, detail="neurons").source)
    box = ids(net.root)
    for layer in net.outs:
        for o in layer:
            cells = f"<TD>data {format(o.data, '.4f')}</TD><TD>dL/dh {format(o.grad, '.4f')}</TD>"
            assert cells in dot.boxes[box[o]]


@given(specs())
def test_values_after_the_model_are_one_box_each_with_their_operation_first(spec: Spec) -> None:
    net = build(spec)
    box = ids(net.root)
    found = neurons_of(net)
    source = {o: box[o] for layer in found.out for o in layer}
    dot = parse(viz.draw_dot(net.root, model=net.model, detail="neurons").source)
    order = engine.topological_order(net.root)
    tail = [n for n in order if n.parents and n not in found.owned]
    expected_edges = []
    for node in tail:
        attrs = dot.boxes[box[node]]
        # Its operation in italics ("h2[0] − 0.5", "**2"), or its muted name that writes
        # the operation out ("h2[0]-0.5").
        first = re.search(r'<TR><TD(?: COLSPAN="\d+")?>(<I>|<FONT [^>]*>)(.*?)</', attrs)
        assert first is not None, attrs
        sign = " − " if node.op == "-" and first[1] == "<I>" else node.op
        assert sign in first[2], attrs
        expected_edges += [(source.get(p, box[p]), box[node]) for p in node.parents]
    assert sorted(e for e in dot.edges if e[1] in {box[n] for n in tail}) == sorted(expected_edges)
    assert len(dot.statements) == len(set(dot.statements))


# Level "layers": a box per layer, holding the seed's a, h and delta.


def table_rows(dot: Dot, box: str) -> list[list[str]]:
    """The rows of a box's table, each a list of its cells' text."""
    return [
        [re.sub(r"<[^>]*>", "", cell) for cell in re.findall(r"<TD[^>]*>(.*?)</TD>", row)]
        for row in re.findall(r"<TR>(.*?)</TR>", dot.boxes[box])
    ]


def layer_rows(dot: Dot, box: str) -> tuple[list[str], list[list[str]]]:
    """A layer box's column heads and its rows (j, a, h, delta), under its title."""
    rows = table_rows(dot, box)
    return rows[1], rows[2:]


def seed_rows(model: nn.MLP, x: list[float], outputs: list[Value]) -> list[list[list[str]]]:
    """nn.backprop's a, h and delta of each layer, as the picture should print them."""
    trace = backprop(model, x, grad_output=[o.grad for o in outputs])
    return [
        [
            [str(j), number(a), number(h), number(d)]
            for j, (a, h, d) in enumerate(zip(a_l, h_l, d_l, strict=True))
        ]
        for a_l, h_l, d_l in zip(trace.a, trace.h, trace.delta, strict=True)
    ]


@given(specs())
def test_layers_level_has_one_box_per_layer_and_edges_from_each_layer_to_the_next(
    spec: Spec,
) -> None:
    net = build(spec)
    dot = parse(viz.draw_dot(net.root, model=net.model, detail="layers").source)
    layers = [f"layer{l}" for l in range(len(spec.nouts))]
    assert dot.of_class("layer") == layers
    assert dot.cls("x") == "value input"
    chain = ["x", *layers]
    between = [e for e in dot.edges if e[0] in chain and e[1] in chain]
    assert between == list(pairwise(chain))
    assert len(dot.statements) == len(set(dot.statements))


@given(specs())
def test_layers_level_shows_the_a_h_and_delta_of_the_seeds_layer_wise_algorithm(
    spec: Spec,
) -> None:
    net = build(spec)
    dot = parse(viz.draw_dot(net.root, model=net.model, detail="layers").source)
    expected = seed_rows(net.model, list(spec.x), net.outs[-1])
    for l, rows in enumerate(expected):
        heads, shown = layer_rows(dot, f"layer{l}")
        assert heads == ["j", f"a{l + 1}", f"h{l + 1}", f"δ{l + 1} = dL/da{l + 1}"]
        assert [[number(float(c)) if i else c for i, c in enumerate(r)] for r in shown] == rows


@given(
    st.integers(4, 6),
    st.data(),
    st.sampled_from(ACTIVATIONS),
    st.integers(0, 2**16),
)
def test_a_batch_is_drawn_as_one_samples_piece_with_the_seeds_numbers_for_that_sample(
    n: int, data: st.DataObject, activation: str, seed: int
) -> None:
    model = nn.MLP(2, [3, 1], activation=activation, seed=seed)
    X, y = nn.make_moons(n, noise=0.1, seed=seed)
    scores = [model(x) for x in X]
    loss = nn.mse_loss(scores, [float(c) for c in y])  # type: ignore[arg-type]
    loss.backward()
    k = data.draw(st.integers(0, n - 1), label="sample")
    dot = parse(viz.draw_dot(loss, model=model, detail="layers", sample=k).source)
    x_rows = table_rows(dot, "x")[1:]  # under its title: one row per input, name and number
    assert x_rows == [[f"x[{i}]", format(v, ".4f")] for i, v in enumerate(X[k])]
    for l, rows in enumerate(seed_rows(model, X[k], [scores[k]])):  # type: ignore[list-item]
        _, shown = layer_rows(dot, f"layer{l}")
        assert [[number(float(c)) if i else c for i, c in enumerate(r)] for r in shown] == rows
        assert "cluster_sample" in dot.clusters[f"layer{l}"]
    marked = [a for a in dot.attrs if f"× {n} samples" in a]
    assert len(marked) == 1
    neurons = parse(viz.draw_dot(loss, model=model, detail="neurons", sample=k).source)
    assert len(neurons.of_class("neuron")) == 4


def test_a_layer_whose_first_neuron_the_loss_does_not_use_is_still_one_box() -> None:
    model = nn.MLP(2, [3, 2], seed=1)
    out = model([Value(0.5), Value(-1.0)])
    assert isinstance(out, list)
    loss = (out[1] - 1.0) ** 2  # only the second output neuron
    loss.backward()
    dot = parse(viz.draw_dot(loss, model=model, detail="layers").source)
    assert dot.of_class("layer") == ["layer0", "layer1"]
    assert ("layer0", "layer1") in dot.edges
    assert {t for t, _ in dot.edges} | {h for _, h in dot.edges} <= set(dot.boxes)


# "auto", and the size of the default pictures.


def mlp_on_one_input(nouts: list[int]) -> tuple[nn.MLP, Value]:
    model = nn.MLP(2, nouts, seed=1)
    out = model([0.5, -0.25])
    assert isinstance(out, Value)
    out.backward()
    return model, out


@pytest.mark.parametrize(
    ("nouts", "level", "more"),
    [
        ([3, 1], "values", None),
        ([16, 16, 1], "neurons", 'detail=\\"values\\"'),
        ([64, 1], "layers", 'detail=\\"neurons\\"'),
    ],
)
def test_auto_picks_the_finest_level_within_readable_boxes_and_says_how_to_get_more(
    nouts: list[int], level: str, more: str | None
) -> None:
    model, out = mlp_on_one_input(nouts)
    source = viz.draw_dot(out, model=model, legend=False).source
    dot = parse(source)
    assert len(dot.boxes) <= READABLE
    classes = {dot.cls(b) for b in dot.boxes}
    if level == "values":
        assert "op" in classes and classes.isdisjoint({"neuron", "layer"})
        assert "labelloc=b" not in source  # no caption
    else:
        assert level.removesuffix("s") in classes
        assert ("neuron" in classes) == (level == "neurons")
        assert more is not None and more in source  # the caption says how to see more


def test_a_long_chain_without_neurons_is_folded_by_auto_and_drawn_whole_by_values() -> None:
    y = Value(1.0, label="start")
    for _ in range(60):
        y = y * 1.01
    total = len(engine.topological_order(y))
    auto = parse(viz.draw_dot(y, legend=False).source)
    boxes = len(auto.boxes)
    assert boxes <= READABLE, f"auto drew {boxes} boxes"
    assert "hidden" in auto.boxes
    every = parse(viz.draw_dot(y, detail="values", legend=False).source)
    assert len([b for b in every.boxes if not b.endswith("_op")]) == total


# Slides at 150 dpi: a 16:9 slide of 1920 x 1080 pixels.
SLIDE_PX = (1920, 1080)
DPI = 150
MIN_SCALE = 0.5


def test_the_default_picture_of_a_16_16_1_mlp_has_at_most_60_boxes_and_fits_a_slide() -> None:
    """A picture fits a slide when its text stays readable on a full-HD 16:9 slide.

    ``viz.render`` writes PNG at 150 dpi, "for slides": a point is 150/72 pixels,
    so 12 pt text is 25 px tall. Shrunk to fit 1920 x 1080 pixels, the text must
    keep at least half that size (12.5 px, the smallest a projected slide shows
    well). So the SVG may be at most 2 x 1920 x 72/150 = 1843 pt wide and
    2 x 1080 x 72/150 = 1037 pt high: the size and aspect ratio in one bound.
    """
    model, out = mlp_on_one_input([16, 16, 1])
    svg = viz.to_svg(out, model=model)
    assert len(svg_boxes(svg)) <= READABLE
    width, height = svg_size_pt(svg)
    px = DPI / 72
    scale = min(SLIDE_PX[0] / (width * px), SLIDE_PX[1] / (height * px))
    assert scale >= MIN_SCALE, f"{width} x {height} pt must shrink to {scale:.2f}"


@pytest.fixture(scope="module")
def moons() -> tuple[Value, nn.MLP, list[list[float]]]:
    """micrograd's demo loss: hinge loss over 100 moons plus 1e-4 times the L2 norm."""
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    scores = [model(x) for x in X]
    loss = nn.hinge_loss(scores, y) + 1e-4 * engine.dot(params, params)  # type: ignore[arg-type]
    loss.backward()
    return loss, model, X


@pytest.mark.parametrize("with_model", [True, False], ids=["model", "jupyter"])
def test_the_default_picture_of_the_moons_loss_is_one_sample_in_at_most_60_boxes(
    moons: tuple[Value, nn.MLP, list[list[float]]], with_model: bool
) -> None:
    loss, model, _ = moons
    svg = viz.to_svg(loss, model=model if with_model else None)
    assert len(svg_boxes(svg)) <= READABLE
    assert len(svg.encode()) <= 400_000
    text = svg_text(svg)
    assert "× 100 samples" in text
    assert "sample X[0] of 100" in text


def test_sample_picks_the_sample_whose_inputs_are_shown(
    moons: tuple[Value, nn.MLP, list[list[float]]],
) -> None:
    loss, model, X = moons
    text = svg_text(viz.to_svg(loss, model=model, sample=7))
    assert "sample X[7] of 100" in text
    assert all(format(v, ".4f") in text for v in X[7])
    assert not any(format(v, ".4f") in text for v in X[0])


def test_parameters_used_outside_the_neurons_are_one_theta_box(
    moons: tuple[Value, nn.MLP, list[list[float]]],
) -> None:
    loss, model, _ = moons
    dot = parse(viz.draw_dot(loss, model=model, detail="neurons").source)
    assert "θ: 337 parameters" in re.sub(r"<[^>]*>", "", dot.boxes["params"])
    (l2,) = (box for node, box in ids(loss).items() if node.op == "dot")  # dot(params, params)
    assert [t for t, h in dot.edges if h == l2] == ["params"]


# Names as the seed writes them.


def test_the_values_picture_names_parameters_and_nodes_as_the_seed_does() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    outs = forward(model, [1.0, -0.5])  # type: ignore[list-item]
    root = outs[-1][0]
    root.backward()
    box = ids(root)
    a1 = outs[0][0].parents[0]
    x0 = a1.parents[2]  # dot+b(w0, w1, x0, x1, b)
    dot = parse(viz.draw_dot(root, model=model, detail="values").source)
    layer = model.layers[0]
    named = {
        "W1[2,1]": layer.neurons[2].w[1], "b1[2]": layer.neurons[2].b, "x[0]": x0,
        "a1[0]": a1, "h1[0]": outs[0][0],
    }  # fmt: skip
    for name, value in named.items():
        assert f"<B>{name}</B>" in dot.boxes[box[value]], name
    assert 'tooltip="layers.0.neurons.2.w.1"' in dot.boxes[box[layer.neurons[2].w[1]]]
    text = svg_text(viz.to_svg(root, model=model, detail="values"))
    assert all(name in text.splitlines() for name in named)


def test_inputs_passed_as_floats_are_coloured_as_inputs_not_constants() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    root = model([1.0, -0.5])
    assert isinstance(root, Value)
    x0, x1 = root.parents[3].parents[0].parents[2:4]  # h1[0] = relu(dot+b(w, w, x0, x1, b))
    box = ids(root)
    for detail in ("values", "neurons"):
        dot = parse(viz.draw_dot(root, model=model, detail=detail).source)
        assert dot.cls(box[x0]) == dot.cls(box[x1]) == "value input"


def test_two_values_with_the_same_label_are_told_apart() -> None:
    first, second = Value(1.0, label="x"), Value(2.0, label="x")
    dot = parse(viz.draw_dot(first * second).source)
    assert "<B>x</B>" in dot.boxes["v0"]
    assert "<B>x#2</B>" in dot.boxes["v1"]


def test_labels_the_user_gave_stay_in_the_picture_beside_the_seeds_names() -> None:
    """micrograd's lesson labels every Value (x1, w1, n, o); a fused neuron must keep them.

    The seed's names may be shown first, but the user's own label must still be
    somewhere in the Value's box (its text or its tooltip).
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
    n = engine.dot([w1, w2], [x1, x2], bias=b)
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    box = ids(o)
    dot = parse(viz.draw_dot(o, detail="values").source)

    def shows(v: Value) -> bool:
        attrs = dot.boxes[box[v]]
        return f"<B>{v.label}</B>" in attrs or bool(
            re.search(rf'tooltip="[^"]*\b{v.label}\b', attrs)
        )

    missing = [v.label for v in (x1, x2, w1, w2, b, n, o) if not shows(v)]
    assert not missing, f"labels not shown: {missing}"


# Operands of non-commutative operations.


@pytest.mark.parametrize(
    ("op", "sign"),
    [("-", "p − q"), ("/", "p / q"), ("**", "p ** q")],
)
def test_a_non_commutative_operation_shows_its_sign_and_marks_each_operand(
    op: str, sign: str
) -> None:
    p, q = Value(3.0, label="p"), Value(2.0, label="q")
    result = {"-": p - q, "/": p / q, "**": p**q}[op]
    root = q.tanh() + result  # q comes first in the topological order, then p
    box = ids(root)
    assert box[q] < box[p]
    dot = parse(viz.draw_dot(root).source)
    target = f"{box[result]}_op"
    assert re.search(rf"label=<{re.escape(sign)}>", dot.boxes[target])
    marks = {t: a for (t, h), a in zip(dot.edges, dot.attrs, strict=True) if h == target}
    assert set(marks) == {box[p], box[q]}
    assert "label=p" in marks[box[p]] and "label=q" in marks[box[q]]


def test_a_hidden_constant_is_written_into_its_operation() -> None:
    y, s = Value(1.0, label="y"), Value(0.3, label="s")
    root = 1 - y * s
    box = ids(root)
    dot = parse(viz.draw_dot(root, constants="hidden").source)
    assert "label=<1 − (y*s)>" in dot.boxes[f"{box[root]}_op"], dot.boxes[f"{box[root]}_op"]
    constant = root.parents[0]
    assert box[constant] not in dot.boxes
    into = [(t, a) for (t, h), a in zip(dot.edges, dot.attrs, strict=True) if h.endswith("_op")]
    marks = [(t, (a.split() or [""])[0]) for t, a in into]  # an edge may carry no attributes
    assert (box[root.parents[1]], 'label="y*s"') in marks


# Errors.


@pytest.fixture
def small() -> tuple[Value, nn.MLP]:
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([1.0, -0.5])
    assert isinstance(out, Value)
    return out, model


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("detail", "big"),
        ("detail", None),
        ("constants", "none"),
        ("model", 3),
        ("model", nn.MLP),
        ("sample", "1"),
        ("sample", 1.5),
        ("sample", True),
        ("parameters", None),
        ("parameters", "model"),  # the model itself, not model.parameters()
    ],
)
def test_a_bad_option_is_an_error_that_names_the_argument(
    small: tuple[Value, nn.MLP], option: str, value: object
) -> None:
    out, model = small
    if value == "model":
        value = model
    with pytest.raises((TypeError, ValueError), match=rf"\b{option}\b"):
        viz.draw_dot(out, **{option: value})  # type: ignore[arg-type]


def test_a_sample_out_of_range_is_an_error_naming_the_range() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    loss, _, _ = moons_loss(6, model)
    for sample in (6, -1):
        with pytest.raises(ValueError, match="sample must be an int from 0 to 5"):
            viz.draw_dot(loss, model=model, sample=sample)


def test_a_sample_on_a_graph_without_a_batch_is_an_error(small: tuple[Value, nn.MLP]) -> None:
    out, model = small
    with pytest.raises(ValueError, match="sample=1: the graph has no batch"):
        viz.draw_dot(out, model=model, sample=1)
    viz.draw_dot(out, model=model, sample=0)  # the only sample there is


@pytest.mark.parametrize("detail", ["neurons", "layers"])
def test_neurons_or_layers_of_a_graph_without_neurons_say_to_pass_a_model(detail: str) -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    with pytest.raises(ValueError, match=rf'detail="{detail}".*model='):
        viz.draw_dot((x * y).tanh(), detail=detail)


def test_show_grad_false_leaves_the_gradients_out_at_every_level(
    small: tuple[Value, nn.MLP],
) -> None:
    out, model = small
    out.backward()
    for detail in ("values", "neurons", "layers"):
        source = viz.draw_dot(out, model=model, detail=detail, show_grad=False).source
        assert "grad" not in source, detail
    layers = parse(viz.draw_dot(out, model=model, detail="layers", show_grad=False).source)
    assert [layer_rows(layers, f"layer{l}")[0] for l in (0, 1)] == [
        ["j", "a1", "h1"],
        ["j", "a2", "h2"],
    ]


def test_the_pictures_functions_take_the_same_options(
    small: tuple[Value, nn.MLP], tmp_path: Path
) -> None:
    out, model = small
    assert 'class="node layer"' in viz.to_svg(out, model=model, detail="layers")
    saved = viz.save_svg(out, tmp_path / "n.svg", model=model, detail="neurons")
    assert 'class="node neuron"' in saved.read_text()
    rendered = viz.render(out, tmp_path / "l.svg", model=model, detail="layers", sample=0)
    assert 'class="node layer"' in rendered.read_text()
    for function in (viz.to_svg, viz.save_svg, viz.render):
        args = (out,) if function is viz.to_svg else (out, tmp_path / "bad.svg")
        with pytest.raises(ValueError, match="detail"):
            function(*args, model=model, detail="bad")  # type: ignore[operator]
    assert not (tmp_path / "bad.svg").exists()


# The same graph, the same DOT text.


@given(specs())
def test_the_same_graph_built_twice_gives_the_same_dot_text_at_every_level(spec: Spec) -> None:
    first, second = build(spec), build(spec)
    for detail in ("values", "neurons", "layers"):  # "auto" is one of them
        a = viz.draw_dot(first.root, model=first.model, detail=detail).source
        b = viz.draw_dot(second.root, model=second.model, detail=detail).source
        assert a == b, detail


SCRIPT = """
import engine, nn, viz
X, y = nn.make_moons(8, noise=0.1, seed=1)
model = nn.MLP(2, [4, 4, 1], seed=1)
params = model.parameters()
loss = nn.hinge_loss([model(x) for x in X], y) + 1e-4 * engine.dot(params, params)
loss.backward()
for m in (model, None):
    for detail in ("auto", "values", "neurons", "layers"):
        for sample in (0, 5):
            print(viz.draw_dot(loss, model=m, detail=detail, sample=sample).source)
"""


def test_the_dot_text_of_a_batch_is_the_same_in_every_process() -> None:
    runs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]  # fmt: skip
    assert runs[0] and runs[0] == runs[1]
