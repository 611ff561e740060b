"""Where Graphviz puts things: a layer's neurons, and a neuron's weights, read in order."""

import re
import shutil

import pytest

import nn
import viz

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def reading_order(svg: str, rankdir: str, pattern: str) -> list[str]:
    """The names matching ``pattern``, top to bottom in LR, left to right in TB."""
    places = {}
    for m in re.finditer(rf'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"[^>]*>{pattern}</text>', svg):
        places[m.group(3)] = float(m.group(2) if rankdir == "LR" else m.group(1))
    return sorted(places, key=places.__getitem__)


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("sizes", [[4, 4, 1], [16, 16, 1], [7, 5, 2]])
def test_a_layers_neurons_come_in_order(rankdir: str, sizes: list[int]) -> None:
    model = nn.MLP(2, sizes, seed=1)
    y = model([0.5, -0.2])
    root = y[0] + y[-1] if isinstance(y, list) else y
    svg = viz.to_svg(root, model=model, detail="neurons", rankdir=rankdir)
    for layer, n in enumerate(sizes[:-1], start=1):
        expected = [f"h{layer}[{j}]" for j in range(n)]
        assert reading_order(svg, rankdir, rf"(h{layer}\[\d+\])") == expected


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_neurons_weights_come_in_order_then_its_bias(rankdir: str) -> None:
    model = nn.MLP(3, [4, 2], seed=2)
    out = model([0.5, -0.2, 1.0])
    assert isinstance(out, list)
    svg = viz.to_svg(out[0] * out[1], model=model, detail="values", rankdir=rankdir)
    for j in range(4):
        expected = [f"W1[{j},{i}]" for i in range(3)] + [f"b1[{j}]"]
        assert reading_order(svg, rankdir, rf"(W1\[{j},\d\]|b1\[{j}\])") == expected


Rect = tuple[float, float, float, float]


def boxes_of(svg: str) -> tuple[list[Rect], list[tuple[str, Rect]]]:
    """The nodes' rectangles and the edges' labels' rectangles (x0, y0, x1, y1) in an SVG."""
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg)
    nodes: list[Rect] = []
    labels: list[tuple[str, Rect]] = []
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        kind = g.get("class", "").split()
        if "node" in kind:
            points = [
                tuple(map(float, p.split(",")))
                for shape in g.findall("s:polygon", ns)
                for p in (shape.get("points") or "").split()
            ]
            if points:
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                nodes.append((min(xs), min(ys), max(xs), max(ys)))
        elif "edge" in kind:
            for t in g.findall("s:text", ns):
                size, x, y = (float(t.get(a) or 0) for a in ("font-size", "x", "y"))
                width = 0.6 * size * len(t.text or "")  # Helvetica's average advance, about
                x0 = {"start": x, "end": x - width}.get(t.get("text-anchor") or "", x - width / 2)
                labels.append((t.text or "", (x0, y - 0.75 * size, x0 + width, y + 0.2 * size)))
    return nodes, labels


@pytest.mark.parametrize("detail", ["neurons", "layers", "values"])
def test_no_edge_label_covers_a_box_in_the_moons_loss(detail: str) -> None:
    import engine

    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    loss = nn.hinge_loss([model(x) for x in X], y) + 1e-4 * engine.dot(params, params)  # type: ignore[misc]
    svg = viz.to_svg(loss, model=model, detail=detail)
    nodes, labels = boxes_of(svg)
    assert any(text == "× 100 samples" for text, _ in labels)
    for text, (a0, b0, a1, b1) in labels:
        for x0, y0, x1, y1 in nodes:
            overlap = min(a1, x1) - max(a0, x0) > 0.5 and min(b1, y1) - max(b0, y0) > 0.5
            assert not overlap, (text, (a0, b0, a1, b1), (x0, y0, x1, y1))
