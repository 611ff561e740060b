"""The backward-pass explorer: one self-contained HTML page that steps through backprop.

The page shows the computation graph at a level of detail (every Value, a box per
neuron, or a box per layer) and walks the backward pass box by box, in the order
the gradients complete: it highlights the box, fills in its gradient, and shows
the chain rule (or, for a layer, the recursion of the error signal) with its numbers. The page
pans and zooms, keeps the current box in view, and jumps to a box's step when it
is clicked. Everything is inline (no network), and every label reaches the page
as JSON text, shown with ``textContent``, so no label can become markup or script.
"""

import html
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, overload

import graphviz

from engine import Value
from nn import Module
from viz.drawing.graph import OPTION_NAMES, PictureOptions, digraph, drawing
from viz.drawing.output import pipe, write_atomically
from viz.drawing.text import encodable
from viz.explorer import code_view, page, steps

BLANK = "?"
"""What a gradient cell shows before its step."""

THEMES = ("light", "dark", "transparent", "auto")


class ExplorerPage:
    """An explorer page held in memory: Jupyter shows it inline; ``save`` writes it to a file."""

    def __init__(self, html_text: str, title: str, walk: list[dict[str, Any]]) -> None:
        self.html = html_text
        """The whole page, one self-contained HTML document."""
        self.title = title
        self.steps = walk
        """The steps the page walks, in order: each a dict with its ``heading``, its ``lines``
        and, for neurons and layers, its tables (``blocks``)."""

    def text(self, k: int) -> str:
        """Step ``k`` as plain text: its heading, its lines, its tables a row per line."""
        if (
            isinstance(k, bool)
            or not isinstance(k, int)
            or not -len(self.steps) <= k < len(self.steps)
        ):
            raise IndexError(f"text: k must be an int from 0 to {len(self.steps) - 1}, got {k!r}")
        step = self.steps[k]
        return "\n".join([step["heading"], *steps.plain_lines(step)])

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically) and return the path."""
        target = Path(os.fspath(path))
        if not target.parent.is_dir():
            raise FileNotFoundError(f"save: the folder {str(target.parent)!r} does not exist")
        write_atomically(target, self.html.encode("utf-8"))
        return target

    def _repr_html_(self) -> str:
        # A frame of its own keeps the page's script and styles apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'title="{html.escape(self.title, quote=True)}" '
            'style="width: 100%; height: 640px; border: 1px solid #d1d5db;"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<ExplorerPage {self.title!r}: {len(self.html)} characters of HTML>"


@overload
def explorer(root: Value, path: None = None, **options: Any) -> ExplorerPage: ...
@overload
def explorer(root: Value, path: str | os.PathLike[str], **options: Any) -> Path: ...


def explorer(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    *,
    model: Module | None = None,
    detail: str = "auto",
    sample: int | None = None,
    number_format: str = ".4f",
    title: str = "Backward pass explorer",
    code: bool = False,
    theme: str = "light",
    focus: Value | Iterable[Value] = (),
    **draw_options: Any,
) -> Path | ExplorerPage:
    """Make the explorer page for ``root``: written to ``path`` (returned), or shown inline.

    Without ``path`` it writes no file and returns an ``ExplorerPage``, which Jupyter
    shows inline (``.save(path)`` writes it). ``model``, ``detail`` and ``sample``
    choose the picture as for [`viz.draw_dot`][viz.draw_dot]; with ``detail="layers"``
    each step is a layer and shows the recursion of the error signal. ``draw_options``
    go to ``draw_dot`` too (``rankdir``, ``font_size``, ...). No Value's ``.grad`` is
    touched: the page computes the gradients it shows, in the engine's order, and every
    dL/dθ it names for a parameter θ is the number ``.grad`` holds after ``backward()``.
    With ``code``, a panel beside the graph shows the pass as the Python
    ``engine.compile`` writes, and marks each step's lines. ``theme`` is "light",
    "dark", "transparent" or "auto" (the reader's palette, or the embedding page's).
    ``focus`` (Values) is what the page opens on: their boxes in view at a legible zoom,
    at the step of the first.
    """
    if not isinstance(title, str):
        raise TypeError(f"explorer: title must be a str, got {type(title).__name__}")
    title = encodable(title)  # "\udc80" for a lone surrogate, which UTF-8 cannot hold
    target = None
    if path is not None:
        target = Path(os.fspath(path))
        if not target.parent.is_dir():
            raise FileNotFoundError(f"explorer: the folder {str(target.parent)!r} does not exist")
    dot, data = explorer_data(
        root, model=model, detail=detail, sample=sample, number_format=number_format,
        code=code, theme=theme, focus=focus, **draw_options,
    )  # fmt: skip
    svg = pipe(dot, "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline
    made = ExplorerPage(page.page_html(title=title, svg=svg, data=data, theme=theme, code=code),
                        title, data["steps"])  # fmt: skip
    return made if target is None else made.save(target)


def explorer_data(
    root: Value,
    *,
    model: Module | None = None,
    detail: str = "auto",
    sample: int | None = None,
    number_format: str = ".4f",
    code: bool = False,
    theme: str = "light",
    focus: Value | Iterable[Value] = (),
    **draw_options: Any,
) -> tuple[graphviz.Digraph, dict[str, Any]]:
    """The explorer's picture (DOT, not yet laid out) and its steps, options as ``explorer``'s.

    The page is these two, the picture drawn by Graphviz: ``explorer`` runs ``dot`` for
    it; the course site's playground, which has no ``dot``, draws the same DOT with
    Graphviz compiled to WebAssembly.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explorer: root must be a Value, got {type(root).__name__}")
    if theme not in THEMES:
        raise ValueError(
            f"explorer: theme must be one of {', '.join(map(repr, THEMES))}; got {theme!r}"
        )
    focused = _focus(focus)
    legend = draw_options.pop("legend", True)
    draw_options.pop("show_grad", None)  # the page fills gradients in as the pass goes
    backward = steps.backward_pass(root)
    own = {"model", "detail", "sample", "number_format", "theme"}  # explorer's own arguments
    passed_on = [name for name in OPTION_NAMES if name not in own]
    unknown = sorted(set(draw_options) - set(passed_on))
    if unknown:
        raise TypeError(
            f"explorer: unknown option {unknown[0]!r}; besides its own arguments it takes "
            f"the picture's {', '.join(passed_on)} and legend"
        )
    asked = PictureOptions(
        model=model, detail=detail, sample=sample, number_format=number_format,
        theme="light" if theme == "auto" else theme, **draw_options,
    )  # fmt: skip
    built = drawing(root, asked, cells=True, grads=backward.grads)
    dot = digraph(built, rankdir=draw_options.get("rankdir", "LR"), legend=legend)
    walk = steps.steps(built, backward)
    boxes: dict[str, int] = {}
    for k, step in enumerate(walk):
        boxes.setdefault(step["id"], k)
        for i in step["nodes"]:
            boxes.setdefault(f"v{i}_op", k)
    data: dict[str, Any] = {
        "mode": "layers" if built.picture.level == "layers" else "nodes",
        "steps": walk,
        "blank": BLANK,
        "boxes": boxes,
    }
    if focused:
        ids, start = _focus_boxes(focused, built.index, walk)
        data |= {"focus": ids, "start": start}
    if code:
        data["code"] = code_view.code_data(root, walk)
    return dot, data


def _focus(focus: Value | Iterable[Value]) -> list[Value]:
    values = [focus] if isinstance(focus, Value) else focus
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(
            f"explorer: focus must be a Value or an iterable of Values, got {type(focus).__name__}"
        )
    found = list(values)
    for i, v in enumerate(found):
        if not isinstance(v, Value):
            raise TypeError(f"explorer: focus[{i}] must be a Value, got {type(v).__name__}")
    return found


def _focus_boxes(
    focus: list[Value], index: dict[Value, int], walk: list[dict[str, Any]]
) -> tuple[list[str], int]:
    """The boxes the page opens on, and the step of the first: a focused Value's own step."""
    ids, start = [], None
    for k, value in enumerate(focus):
        if value not in index:
            raise ValueError(f"explorer: focus[{k}] is not a node of root's graph")
        i = index[value]
        step = next((s for s, st in enumerate(walk) if i in st["nodes"]), None)
        if step is None:
            raise ValueError(f"explorer: focus[{k}] has no box of its own in the picture")
        ids.append(walk[step]["id"])
        start = step if start is None else start
    assert start is not None
    return list(dict.fromkeys(ids)), start
