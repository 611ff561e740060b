"""Make the pictures the lessons and the README show: ``python docs/lessons/make_pictures.py``.

Writes images/neuron.svg (lesson 2), images/error-signal-layers.svg (lesson 4),
images/decision_boundary.png and images/training.png (lesson 6) beside this file,
the backward-pass explorers the lessons embed (images/*-explorer.html: lessons 2, 3
and 4), and ../images/mlp-neurons.svg (the README's picture of a model, by neuron).

The lessons' pictures are laid out for the page, so that they can go on a slide as they
are: shown in the site's column (688 px wide at 1280 px), the smallest text of each is at
least 11 px (tests/site/test_pictures.py measures it). A Graphviz picture is drawn at 12
pt, 16 px at its natural size, so one narrower than the column shows at 16 px; a graph
wider than that is drawn top to bottom (rankdir="TB"). A plot keeps its width, scaled to
the column, so its fonts are made larger, and its smallest text is recorded in the PNG.
"""

import re
import struct
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

import nn
import viz
from engine import Value

HERE = Path(__file__).resolve().parent / "images"
README_IMAGES = Path(__file__).resolve().parents[1] / "images"

PLOT_FONT_SIZE = 14.0
"""The plots' base font in pt, for what viz.plots leaves at matplotlib's default (tick labels).

plot_history's figure is 10 in wide: its 10 pt default ticks would be 9.7 px in the column.
"""
SMALLEST_TEXT = "Smallest text (pt)"
"""The PNG text chunk (tEXt) holding a plot's smallest font size, read by the site's test."""


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
    """Lesson 4's network and loss, a box per layer holding the seed's a, h and delta."""
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
    plot(lambda path: viz.plot_decision_boundary(model, X, y, path), HERE / "decision_boundary.png")
    plot(lambda path: viz.plot_history(history, path), HERE / "training.png")
    return model, X


def plot(draw: Callable[[Path], Path], png: Path) -> None:
    """``draw(png)`` at PLOT_FONT_SIZE, with the size of its smallest text recorded in the PNG.

    The size is read off the same figure drawn as SVG with its text kept as text
    (svg.fonttype "none"), whose font sizes are in points.
    """
    with matplotlib.rc_context({"font.size": PLOT_FONT_SIZE}):
        draw(png)
        with (
            tempfile.TemporaryDirectory() as folder,
            matplotlib.rc_context({"svg.fonttype": "none"}),
        ):
            svg = draw(Path(folder) / "twin.svg").read_text(encoding="utf-8")
    sizes = [float(size) for size in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    if not sizes:
        raise RuntimeError(f"{png.name}: the plot's SVG twin has no text to measure")
    png.write_bytes(with_text(png.read_bytes(), SMALLEST_TEXT, f"{min(sizes):g}"))


def with_text(data: bytes, key: str, value: str) -> bytes:
    """The PNG ``data`` with a tEXt chunk ``key``: ``value`` before its IEND chunk."""
    body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body))
    end = data.rindex(b"IEND") - 4  # the IEND chunk starts with its length
    return data[:end] + chunk + data[end:]


def mlp_neurons(model: nn.MLP, points: list[list[float]]) -> None:
    """The README's trained moons model on the first moons point, a box per neuron."""
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
