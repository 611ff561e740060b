"""Make the pictures the lessons and the README show: ``python docs/lessons/make_pictures.py``.

Writes images/neuron.svg (lesson 2), images/error-signal-layers.svg (lesson 4),
images/decision_boundary.png and images/training.png (lesson 6) beside this file,
the backward-pass explorers the lessons embed (images/*-explorer.html: lessons 2, 3
and 4), and the README's ../images/neuron.svg (lesson 2's) and ../images/mlp-neurons.svg
(a model, by neuron).

The lessons' pictures are laid out for the page, so that they can go on a slide as they
are: shown in the site's column (688 px wide at 1280 px), the smallest text of each is at
least 11 px (tests/site/test_pictures.py measures it). A Graphviz picture is drawn at 12
pt, 16 px at its natural size, so one narrower than the column shows at 16 px; a graph
wider than that is drawn top to bottom (rankdir="TB"). The plots are viz's as they come:
viz.plots sizes their fonts for a 570 px column and records the smallest in the PNG.
"""

from pathlib import Path
from typing import Any

import nn
import viz
from engine import Value

HERE = Path(__file__).resolve().parent / "images"
README_IMAGES = Path(__file__).resolve().parents[1] / "images"


def neuron() -> None:
    """Lesson 2's neuron, after backward()."""
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    y.backward()
    # Left to right it is 1,300 px wide, its text 8 px in the column; top to bottom it is
    # about 600 px wide and shows at its natural size.
    both_palettes(y, "neuron", legend=False, rankdir="TB")
    viz.save_svg(y, README_IMAGES / "neuron.svg", legend=False, rankdir="TB")  # its first picture
    viz.explorer(
        y, HERE / "neuron-explorer.html", title="Lesson 2: the neuron's backward pass",
        theme="auto", focus=[y, x, w, b], rankdir="TB", legend=False,
    )  # fmt: skip


def both_palettes(root: Value, name: str, **options: Any) -> None:
    """``name``.svg in the light theme and ``name``-dark.svg in the dark one, for the site."""
    viz.save_svg(root, HERE / f"{name}.svg", **options)
    viz.save_svg(root, HERE / f"{name}-dark.svg", theme="dark", **options)


def reuse() -> None:
    """Lesson 3's graph, x used three times: its explorer shows the gradient add up."""
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    z = y + x
    z.label = "z"
    # It opens at x's step, the sum of a term per use, with the whole graph in view: drawn
    # top to bottom, it fits the lesson's frame at a legible size.
    viz.explorer(
        z, HERE / "reuse-explorer.html", title="Lesson 3: gradients add up", theme="auto",
        focus=[x, z], rankdir="TB", legend=False,
    )  # fmt: skip


def error_signal() -> None:
    """Lesson 4's network and loss, a box per layer holding the algorithm's a, h and δ."""
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([1.0, -0.5])
    assert isinstance(out, Value)  # one output neuron: one Value
    L = (out - 1.0) ** 2
    L.label = "L"
    L.backward()
    both_palettes(L, "error-signal-layers", rankdir="TB", model=model, detail="layers")
    viz.explorer(
        L, HERE / "error-signal-explorer.html", model=model, detail="layers", rankdir="TB",
        title="Lesson 4: the error signal, layer by layer", theme="auto", focus=[L, out],
    )  # fmt: skip


def training() -> tuple[nn.MLP, list[list[float]]]:
    """Lesson 5's run: nn.fit is the lesson's loop (hinge + 1e-4 L2, SGD 1.0 -> 0.1, 100 steps)."""
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    history = nn.fit(model, X, y, steps=100, progress=False)
    viz.plot_decision_boundary(model, X, y, HERE / "decision_boundary.png")
    viz.plot_history(history, HERE / "training.png")
    return model, X


def mlp_neurons(model: nn.MLP, points: list[list[float]]) -> None:
    """The README's trained moons model on the first moons point, a box per neuron.

    Left to right it is 1,386 pt wide, its text 7 px in GitHub's 830 px column; top to
    bottom each layer's 16 boxes stand in a row, 3,003 pt wide. No layout makes it legible
    there, so it stays left to right, and a click on it opens it at its natural size.
    """
    model.zero_grad()
    score = model(points[0])
    assert isinstance(score, Value)
    score.backward()
    viz.save_svg(score, README_IMAGES / "mlp-neurons.svg", model=model, detail="neurons")


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    neuron()
    reuse()
    error_signal()
    model, X = training()
    mlp_neurons(model, X)
    print(f"wrote the lesson pictures into {HERE} and the README's into {README_IMAGES}")
