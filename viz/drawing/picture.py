"""A picture before it is DOT: boxes, edges and clusters, whatever the level of detail.

Each level (``viz.drawing.levels``) builds a ``Picture``; ``draw_dot`` counts its
boxes to choose the level and then writes it out for Graphviz. The cells and
records here are the building blocks every level shares.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine import Value
from viz.drawing.names import SHORT, written
from viz.drawing.style import Theme
from viz.drawing.text import html_label_text

NON_COMMUTATIVE = {"-": "−", "/": "/", "**": "**"}
"""Binary operations whose operands a picture must tell apart, with the sign it shows."""

MARKS = ("①", "②")
"""The marks of a first and a second operand that has no short name of its own.

No lesson gives them a meaning, as it does a, b, x, y, h, w, W, L, n, z, f, c and δ.
"""


@dataclass(frozen=True)
class Options:
    """How every level draws: numbers, colours, what to show, and the explorer's hooks."""

    number_format: str
    show_grad: bool
    colours: Theme
    font_size: float
    constants: str
    names: dict[Value, str]
    tooltips: dict[Value, str]
    """The names a box does not show: the algorithm's, the model's full one."""
    made_up: frozenset[Value] = frozenset()
    """Nodes whose name was made up (``x*w``, ``v5``, ``L``): shown muted."""
    expressions: frozenset[Value] = frozenset()
    """Nodes whose name writes out their operation: the name is all their box needs."""
    operand_names: dict[Value, str] = field(default_factory=dict)
    """How each node reads as an operand: its name, or a constant's number."""
    rankdir: str = "LR"
    cells: bool = False
    """For the explorer: grad cells get ids (``<box>_grad``) for the page to blank and fill."""
    grads: dict[Value, float] | None = None
    """Gradients to show instead of ``.grad`` (the explorer's own pass)."""

    def number(self, x: float) -> str:
        """``x`` in the picture's number format."""
        return format(x + 0.0, self.number_format)  # + 0.0: minus zero shows as 0


@dataclass
class Box:
    """One node of the picture: its DOT name, label and attributes, and its cluster."""

    id: str
    label: str
    attrs: dict[str, str]
    cluster: str = ""


@dataclass
class Picture:
    """What a level draws: boxes (in order), edges, nested clusters, the kinds it colours."""

    level: str
    boxes: list[Box] = field(default_factory=list)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    clusters: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Cluster key -> (its label, the key of the cluster it sits in, "" for none)."""
    chains: list[tuple[str, list[str]]] = field(default_factory=list)
    """(cluster key, boxes of one rank to keep in this order): a layer's neurons by index."""
    kinds: list[str] = field(default_factory=list)
    caption: str = ""

    def add(self, box: Box, kind: str = "") -> None:
        """Add a box, and its kind to the legend's list."""
        self.boxes.append(box)
        if kind and kind not in self.kinds:
            self.kinds.append(kind)

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        """Add an edge from box ``tail`` to box ``head``."""
        self.edges.append((tail, head, attrs))


def table(rows: list[list[str]], fill: str, line: str, *, border: int = 1) -> str:
    """An HTML-like label: a table of the given cells (already escaped), one list per row."""
    width = max(map(len, rows))
    body = "".join(
        "<TR>"
        + "".join(
            cell if cell.startswith("<TD") else f"<TD>{cell}</TD>"
            for cell in [*row[:-1], _span(row[-1], width - len(row) + 1)]
        )
        + "</TR>"
        for row in rows
    )
    return (
        f'<<TABLE BORDER="0" CELLBORDER="{border}" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{fill}" COLOR="{line}">{body}</TABLE>>'
    )


def _span(cell: str, span: int) -> str:
    if span == 1:
        return cell
    if cell.startswith("<TD"):
        return cell.replace("<TD", f'<TD COLSPAN="{span}"', 1)
    return f'<TD COLSPAN="{span}">{cell}</TD>'


def grad_cell(box_id: str, node: Value, options: Options, prefix: str = "grad ") -> str:
    """The grad cell of a box; in the explorer, with an id for the page to blank and fill in."""
    grad = node.grad if options.grads is None else options.grads.get(node, 0.0)
    text = html_label_text(prefix + options.number(grad))
    if options.cells:
        # Graphviz gives a cell an id in SVG only when it is a link; the page stops the link.
        # The cell is laid out with the number it will show, so the number fits it.
        return f'<TD ID="{box_id}_grad" HREF="#">{text}</TD>'
    return f"<TD>{text}</TD>"


def name_cell(node: Value, options: Options) -> str:
    """The name of a node, bold, or muted when it was made up; "" when it has none."""
    name = options.names.get(node, "")
    if not name:
        return ""
    if node in options.made_up:
        return f'<FONT COLOR="{options.colours.line}">{html_label_text(name)}</FONT>'
    return f"<B>{html_label_text(name)}</B>"


def tooltip(node: Value, options: Options) -> dict[str, str]:
    """A tooltip with the names the box does not show, when there are any."""
    tip = options.tooltips.get(node)
    return {"tooltip": tip} if tip else {}


def operands(node: Value, options: Options, hidden: dict[Value, str]) -> tuple[str, list[str]]:
    """The operation's label, with hidden constants written in, and a mark per operand.

    ``p - q`` shows as ``p − q`` with its edges marked ``p`` and ``q``, so it reads
    the right way round whatever the layout: an operand is marked with its name, or a
    constant with its number (``h2[0] − 1``), and one without a short name with
    ``MARKS`` (``① − ②``); a hidden constant has no edge. Other operations mark no
    operand, and write hidden constants after their sign (``* 2``).
    """
    op = node.op
    parents = node.parents
    if op in NON_COMMUTATIVE and len(parents) == 2:
        marks = operand_marks(parents, options.operand_names)
        said = [hidden.get(p, m) for p, m in zip(parents, marks, strict=True)]
        sides = [m if m in MARKS else written(m) for m in said]
        return f"{sides[0]} {NON_COMMUTATIVE[op]} {sides[1]}", marks
    extra = [hidden[p] for p in parents if p in hidden]
    return " ".join([op, *extra]), [""] * len(parents)


def operand_marks(parents: Sequence[Value], names: dict[Value, str]) -> list[str]:
    """The marks of two operands: their names (a constant's number) if short, else ``MARKS``.

    Two operands that are one node (``x - x``) share its name; two nodes that read
    the same (two constants ``2``) are marked ``①`` and ``②``, so they are told apart.
    """
    marks = [names.get(p, "") for p in parents]
    marks = [m if 0 < len(m) <= SHORT else neutral for m, neutral in zip(marks, MARKS, strict=True)]
    if marks[0] == marks[1] and parents[0] is not parents[1]:
        return list(MARKS)
    return marks
