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
