"""viz: pictures of computation graphs, the backward pass, and training.

Examples:
    >>> from engine import Value
    >>> import viz
    >>> x = Value(2.0, label="x")
    >>> "tanh" in viz.draw_dot((x * 3).tanh()).source
    True
"""

from viz.drawing.graph import draw_dot
from viz.drawing.output import (
    GraphvizError,
    GraphvizNotFoundError,
    GraphvizTimeoutError,
    render,
    save_svg,
    to_svg,
)
from viz.explorer import ExplorerPage, explorer
from viz.notebook import register as _register_notebook
from viz.plots import plot_decision_boundary, plot_history

__all__ = [
    "ExplorerPage",
    "GraphvizError",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "draw_dot",
    "explorer",
    "plot_decision_boundary",
    "plot_history",
    "render",
    "save_svg",
    "to_svg",
]

_register_notebook()
