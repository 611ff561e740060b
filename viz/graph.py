"""``draw_dot``: a Value's computation graph as a Graphviz digraph.

Each Value is a record (label, data, grad) coloured by its kind; each operation
is a small node between its operands and its result, so edges follow the data.
Node names come from the topological order, so the same graph gives the same
DOT text on every run.
"""

from collections import deque
from collections.abc import Iterable

import graphviz

import engine
from engine import Value
from viz import style
from viz.style import KIND_NAMES, KINDS, Theme
from viz.text import html_label_text

RANKDIRS = ("LR", "TB", "RL", "BT")
FONT = "Helvetica,Arial,sans-serif"


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    show_grad: bool = True,
    number_format: str = ".4f",
    parameters: Iterable[Value] = (),
    max_nodes: int = 500,
    legend: bool = True,
    theme: str = "light",
    font_size: float = 12.0,
) -> graphviz.Digraph:
    """Return the graph of ``root`` and everything it depends on, as a ``graphviz.Digraph``.

    ``parameters`` (e.g. ``model.parameters()``) are coloured apart from inputs,
    constants and intermediate results, with a legend. Beyond ``max_nodes``
    Values, the ones farthest from ``root`` are folded into one node that says
    how many are hidden. ``number_format`` formats data and grad (``".4f"``);
    ``theme`` is "light", "dark" or "transparent". Value nodes get the SVG ids
    ``v0, v1, ...`` in topological order, and each operation ``v<i>_op``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    try:
        format(1.0, number_format)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"draw_dot: number_format {number_format!r} is not a float format spec such as '.4f'"
        ) from e
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be an int >= 1, got {max_nodes!r}")
    if isinstance(font_size, bool) or not isinstance(font_size, int | float) or font_size <= 0:
        raise ValueError(f"draw_dot: font_size must be a positive number, got {font_size!r}")
    colours = style.theme(theme)
    params = set(parameters)

    order = engine.topological_order(root)
    shown = _nearest(root, max_nodes)
    names = {node: f"v{i}" for i, node in enumerate(order)}

    dot = graphviz.Digraph(name="computation_graph")
    dot.attr(
        "graph", rankdir=rankdir, bgcolor=colours.background, fontname=FONT,
        fontsize=str(font_size), fontcolor=colours.text,
    )  # fmt: skip
    dot.attr("node", fontname=FONT, fontsize=str(font_size), fontcolor=colours.text)
    dot.attr("edge", color=colours.line, arrowsize="0.7")

    kinds_seen: list[str] = []
    hidden = len(order) - len(shown)
    for node in order:
        if node not in shown:
            continue
        kind = _kind(node, root, params)
        if kind not in kinds_seen:
            kinds_seen.append(kind)
        name = names[node]
        record = _record(node, show_grad, number_format, colours, kind)
        dot.node(name, record, shape="plain", id=name, **{"class": f"value {kind}"})
        if node.parents:
            op_name = f"{name}_op"
            dot.node(
                op_name, f"<{html_label_text(node.op)}>", shape="ellipse", style="filled",
                id=op_name, **{"class": "op"},
                fillcolor=colours.op_fill, color=colours.line, margin="0.05,0.02",
                height="0.3", width="0.3",
            )  # fmt: skip
            for parent in node.parents:
                dot.edge(names[parent] if parent in shown else "hidden", op_name)
            dot.edge(op_name, name)
    if hidden:
        dot.node(
            "hidden",
            f"{hidden} more values not shown (max_nodes={max_nodes})",
            shape="note", style="filled", fillcolor=colours.fills["constant"], color=colours.line,
        )  # fmt: skip
    if legend:
        _legend(dot, [k for k in KINDS if k in kinds_seen], colours)
    return dot


def _kind(node: Value, root: Value, params: set[Value]) -> str:
    if node is root:
        return "output"
    if node in params:
        return "parameter"
    if node.parents:
        return "intermediate"
    return "input" if node.label else "constant"


def _nearest(root: Value, limit: int) -> set[Value]:
    """The ``limit`` Values closest to ``root``, found breadth first."""
    shown = {root}
    queue = deque([root])
    while queue and len(shown) < limit:
        for parent in queue.popleft().parents:
            if parent not in shown:
                shown.add(parent)
                queue.append(parent)
                if len(shown) == limit:
                    break
    return shown


def _record(node: Value, show_grad: bool, number_format: str, colours: Theme, kind: str) -> str:
    cells = []
    if node.label:
        cells.append(f"<B>{html_label_text(node.label)}</B>")
    cells.append(f"data {html_label_text(format(node.data, number_format))}")
    if show_grad:
        cells.append(f"grad {html_label_text(format(node.grad, number_format))}")
    row = "".join(f"<TD>{cell}</TD>" for cell in cells)
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{colours.fills[kind]}" COLOR="{colours.line}"><TR>{row}</TR></TABLE>>'
    )


def _legend(dot: graphviz.Digraph, kinds: list[str], colours: Theme) -> None:
    rows = "".join(
        f'<TR><TD BGCOLOR="{colours.fills[k]}" WIDTH="16"> </TD>'
        f'<TD ALIGN="LEFT">{html_label_text(KIND_NAMES[k])}</TD></TR>'
        for k in kinds
    )
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", color=colours.line, fontcolor=colours.text)
        legend.node(
            "legend",
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" COLOR="{colours.line}">'
            f"{rows}</TABLE>>",
            shape="plain",
        )
