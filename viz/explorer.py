"""The backward-pass explorer: one self-contained HTML page that steps through backprop.

The page shows the computation graph at a level of detail (every Value, a box per
neuron, or a box per layer) and walks the backward pass box by box, in the order
the gradients complete: it highlights the box, fills in its gradient, and shows
the chain rule (or, for a layer, the seed's recursion) with its numbers. The page
pans and zooms, keeps the current box in view, and jumps to a box's step when it
is clicked. Everything is inline (no network), and every label reaches the page
as JSON text, shown with ``textContent``, so no label can become markup or script.
"""

import os
from pathlib import Path
from typing import Any

from engine import Value
from nn import Module
from viz import code_view, page, steps
from viz.graph import digraph, drawing
from viz.output import pipe, write_atomically

BLANK = "?"
"""What a gradient cell shows before its step."""


def explorer(
    root: Value,
    path: str | os.PathLike[str],
    *,
    model: Module | None = None,
    detail: str = "auto",
    sample: int | None = None,
    number_format: str = ".4f",
    title: str = "Backward pass explorer",
    code: bool = False,
    theme: str = "light",
    **draw_options: Any,
) -> Path:
    """Write the explorer page for ``root`` to ``path`` (one HTML file) and return the path.

    ``model``, ``detail`` and ``sample`` choose the picture as for [`viz.draw_dot`][viz.draw_dot];
    with ``detail="layers"`` each step is a layer and shows the seed's recursion.
    ``draw_options`` go to ``draw_dot`` too (``rankdir``, ``font_size``, ...). No
    Value's ``.grad`` is touched: the page computes the gradients it shows, in the
    engine's order. With ``code``, a panel beside the graph shows the pass as the
    Python ``engine.compile`` writes, and marks each step's lines.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explorer: root must be a Value, got {type(root).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"explorer: title must be a str, got {type(title).__name__}")
    target = Path(os.fspath(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(f"explorer: the folder {str(target.parent)!r} does not exist")
    legend = draw_options.pop("legend", True)
    draw_options.pop("show_grad", None)  # the page fills gradients in as the pass goes
    backward = steps.backward_pass(root)
    built = drawing(
        root, model=model, detail=detail, sample=sample, number_format=number_format,
        theme=theme, cells=True, name_all=True, grads=backward.grads, **draw_options,
    )  # fmt: skip
    rankdir = draw_options.get("rankdir", "LR")
    svg = pipe(digraph(built, rankdir=rankdir, legend=legend), "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline
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
    if code:
        data["code"] = code_view.code_data(root, walk)
    html = page.page_html(title=title, svg=svg, data=data, theme=theme, code=code)
    write_atomically(target, html.encode("utf-8"))
    return target
