"""Plots for demos: a classifier's decision boundary, and the training curves.

matplotlib is an optional extra (``pip install "chainrule[plot]"``): it is imported
when a plot is made, so ``import viz`` works without it. The figures are drawn with
matplotlib's object-oriented API on the Agg canvas (no pyplot, no global state).

They are laid out to be read at ``READ_AT_PX`` wide (a notebook's output, half a slide):
every text is at least ``LEGIBLE_PX`` there. A figure ``w`` inches wide shown ``READ_AT_PX``
px wide draws a font of ``pt`` points at ``pt / 72 * READ_AT_PX / w`` px, whatever its dpi,
so each figure sets its font sizes explicitly for its width (matplotlib's rcParams are neither
read for them nor changed). A PNG records its smallest font (``SMALLEST_TEXT``).
"""

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from engine import Value, no_grad
from viz.drawing.output import write_atomically

PLOT_FORMATS = {".svg": "svg", ".png": "png"}
SMALLEST_TEXT = "Smallest text (pt)"
"""The PNG text chunk (tEXt) in which a plot records its smallest font size, in points.

With the PNG's dpi (its pHYs chunk) and the width it is shown at, it gives the smallest
text on the screen: ``pt / 72 * dpi * shown_px / png_width_px`` CSS px (the course site's
test, tests/site/test_pictures.py, reads it so). A PNG holds no text to measure otherwise.
"""
READ_AT_PX = 570
"""The width, in CSS px, the plots are laid out to be read at: a notebook's output on the
course site (572 px at a 1280 px window), or half of a slide."""
LEGIBLE_PX = 11
"""The smallest text, in CSS px, of a plot shown ``READ_AT_PX`` wide."""
# Colour-blind-safe pair (Okabe and Ito): class 0 blue, class 1 orange, then more for spirals.
CLASS_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


class HistoryLike(Protocol):
    """What plot_history reads: the per-step loss and accuracy lists (``nn.History``)."""

    loss: list[float]
    accuracy: list[float]


def _figure_module() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            'plots need matplotlib: pip install "chainrule[plot]" (or pip install matplotlib)'
        ) from e
    return Figure, FigureCanvasAgg


def _format_of(path: Path, name: str) -> str:
    fmt = PLOT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{name}: the extension of {str(path)!r} must be .svg or .png")
    return fmt


def _save(figure: Any, canvas_class: Any, target: Path, fmt: str, dpi: int) -> Path:
    canvas = canvas_class(figure)
    metadata = {}
    if fmt == "png":  # the SVG writer takes only its own (Dublin Core) metadata keys
        canvas.draw()  # the tick labels exist once the figure is drawn
        metadata[SMALLEST_TEXT] = f"{_smallest_font(figure):g}"
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    write_atomically(target, buffer.getvalue())
    return target


def _smallest_font(figure: Any) -> float:
    """The smallest font size, in points, of the drawn ``figure``'s visible, non-empty texts.

    Tick labels, axis labels, titles, legends and annotations: every ``matplotlib.text.Text``.
    Call it after a draw, which makes the tick labels.
    """
    from matplotlib.text import Text

    sizes = [
        float(text.get_fontsize())
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    if not sizes:
        raise ValueError("_smallest_font: the figure has no visible text")
    return min(sizes)


def _size_ticks(axes: Any, points: float) -> None:
    """The tick labels of ``axes``, and the offset (``1e-3``) an axis may write beside them."""
    axes.tick_params(labelsize=points)
    axes.xaxis.get_offset_text().set_fontsize(points)
    axes.yaxis.get_offset_text().set_fontsize(points)


def _check_dpi(dpi: object, name: str) -> int:
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1200:
        raise ValueError(f"{name}: dpi must be an int from 10 to 1200, got {dpi!r}")
    return dpi


def plot_decision_boundary(
    model: Any,
    X: Sequence[Sequence[float]],  # noqa: N803
    y: Sequence[int],
    path: str | os.PathLike[str],
    *,
    resolution: int = 80,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the model's decision regions over a 2-D data set, with the points, to SVG or PNG.

    One output: class 1 where the score is positive, with the zero contour drawn.
    Several outputs: the class of the largest. The model runs under ``no_grad``.
    """
    target = Path(os.fspath(path))
    fmt = _format_of(target, "plot_decision_boundary")
    _check_dpi(dpi, "plot_decision_boundary")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2, got {resolution!r}"
        )
    if not X:
        raise ValueError("plot_decision_boundary: X is empty")
    if len(X) != len(y):
        raise ValueError(f"plot_decision_boundary: X has {len(X)} points but y has {len(y)} labels")
    points = []
    for i, row in enumerate(X):
        if len(row) != 2 or not all(isinstance(v, int | float) for v in row):
            raise ValueError(
                f"plot_decision_boundary: X[{i}] must be a pair of numbers, got {row!r}"
            )
        points.append((float(row[0]), float(row[1])))
    figure_class, canvas_class = _figure_module()

    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    pad_x = 0.1 * (max(xs) - min(xs) or 1.0)
    pad_y = 0.1 * (max(ys) - min(ys) or 1.0)
    grid_x = _linspace(min(xs) - pad_x, max(xs) + pad_x, resolution)
    grid_y = _linspace(min(ys) - pad_y, max(ys) + pad_y, resolution)
    scores: list[list[float]] = []
    classes: list[list[int]] = []
    with no_grad():
        for gy in grid_y:
            score_row, class_row = [], []
            for gx in grid_x:
                out = model([gx, gy])
                if isinstance(out, Value):
                    score_row.append(out.data)
                    class_row.append(int(out.data > 0))
                else:
                    values = [o.data for o in out]
                    score_row.append(math.nan)
                    class_row.append(max(range(len(values)), key=values.__getitem__))
            scores.append(score_row)
            classes.append(class_row)

    n_classes = max(max(y) + 1, max(max(row) for row in classes) + 1, 2)
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(n_classes)]
    from matplotlib.colors import ListedColormap

    # 6.4 in shown 570 px wide: 1 pt is 1.24 px, so the 10 pt ticks show at 12.4 px
    # or more (the saved figure, trimmed to its content, is a little narrower).
    figure = figure_class(figsize=(6.4, 5.6))
    axes = figure.add_subplot()
    _size_ticks(axes, 10)
    axes.contourf(
        grid_x, grid_y, classes, levels=[k - 0.5 for k in range(n_classes + 1)],
        cmap=ListedColormap(colours), alpha=0.25,
    )  # fmt: skip
    if all(not math.isnan(s) for row in scores for s in row):
        axes.contour(grid_x, grid_y, scores, levels=[0.0], colors="#333333", linewidths=1.5)
    for k in range(n_classes):
        members = [p for p, label in zip(points, y, strict=True) if label == k]
        if members:
            axes.scatter(
                [p[0] for p in members], [p[1] for p in members], s=36, color=colours[k],
                edgecolors="white", linewidths=0.6, label=f"class {k}",
            )  # fmt: skip
    axes.set_xlabel("x1", fontsize=12)
    axes.set_ylabel("x2", fontsize=12)
    axes.set_title(title or "Decision boundary", fontsize=14)
    axes.legend(loc="best", fontsize=11)
    axes.set_xlim(grid_x[0], grid_x[-1])
    axes.set_ylim(grid_y[0], grid_y[-1])
    return _save(figure, canvas_class, target, fmt, dpi)


def plot_history(
    history: HistoryLike,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the loss and the accuracy (percent) against the training step, to SVG or PNG."""
    target = Path(os.fspath(path))
    fmt = _format_of(target, "plot_history")
    _check_dpi(dpi, "plot_history")
    loss, accuracy = list(history.loss), list(history.accuracy)
    if not loss:
        raise ValueError("plot_history: history.loss is empty; train for at least one step")
    if len(loss) != len(accuracy):
        raise ValueError(
            f"plot_history: history.loss has {len(loss)} entries but history.accuracy "
            f"{len(accuracy)}; they must match"
        )
    figure_class, canvas_class = _figure_module()
    # 7.5 in shown 570 px wide: 1 pt is 1.06 px, so the 11 pt ticks show at 11.6 px or more.
    figure = figure_class(figsize=(7.5, 3.2))
    left, right = figure.subplots(1, 2)
    _size_ticks(left, 11)
    _size_ticks(right, 11)
    steps = list(range(len(loss)))
    left.plot(steps, loss, color=CLASS_COLOURS[0], linewidth=2)
    left.set_xlabel("step", fontsize=12)
    left.set_ylabel("loss", fontsize=12)
    left.set_title("Loss", fontsize=13)
    left.grid(alpha=0.3)
    known = [(s, 100 * a) for s, a in zip(steps, accuracy, strict=True) if not math.isnan(a)]
    if known:
        right.plot(
            [s for s, _ in known], [a for _, a in known], color=CLASS_COLOURS[1], linewidth=2
        )
    else:
        right.text(
            0.5, 0.5, "no accuracy recorded", ha="center", va="center", fontsize=12,
            transform=right.transAxes,
        )  # fmt: skip
    right.set_xlabel("step", fontsize=12)
    right.set_ylabel("accuracy (%)", fontsize=12)
    right.set_ylim(0, 102)
    right.set_title("Accuracy", fontsize=13)
    right.grid(alpha=0.3)
    if title:
        figure.suptitle(title, fontsize=14)
    figure.tight_layout()
    return _save(figure, canvas_class, target, fmt, dpi)


def _linspace(start: float, stop: float, n: int) -> list[float]:
    step = (stop - start) / (n - 1)
    return [start + i * step for i in range(n)]
